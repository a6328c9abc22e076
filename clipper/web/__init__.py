"""The local web page of clipper (``clipper serve``): Flask, server-rendered, no build step.

:func:`clipper.web.app.create_app` builds the application for a corpus and
:func:`clipper.web.app.serve` runs it on 127.0.0.1. Flask is imported only
when this package is used, so the rest of clipper does not need it.
"""
