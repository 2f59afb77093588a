"""The portfolio (seed 002): projects, their images, and the events they publish."""
