"""The HTTP service: Flask app factory, blueprints, schemas, storage, auth, SMS and CLI."""

from .app import create_app

__all__ = ["create_app"]
