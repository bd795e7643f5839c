"""APP: the use cases, written once, that the CLI, the web app, the scheduler and the demo call.

Refresh (fetch, parse, store under the lease), summarise, build the draft, decide, approve,
add an item by URL, publish, send. This is the only layer that wires the stages to the
store; it renders nothing for a person and reads no command-line option.
"""
