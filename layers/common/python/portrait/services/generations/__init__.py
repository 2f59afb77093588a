"""AI portraits: starting one (pay, get an upload form), routing the photo to a
lane, rendering it through the renderer port, and how a generation ends."""
