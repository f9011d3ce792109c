"""A Flask service in a src layout, importable through the image's PYTHONPATH."""
