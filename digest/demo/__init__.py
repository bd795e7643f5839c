"""DEMO: `digest demo`, the whole job offline on the sample site this package ships.

``site`` serves ``data/`` on 127.0.0.1; ``run`` writes a demo feeds.yaml and drives the
application layer over it, as an editor's week would, and returns what it made for the
CLI to print. The demo prints nothing and never imports the CLI.
"""
