"""The portfolio: projects, their images, and the events they publish."""
