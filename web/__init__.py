"""The claimkb web UI (Flask). Built in issue #4; kb/ never imports this package."""
