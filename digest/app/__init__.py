"""APP: the use cases, written once, that the CLI, the web app, the scheduler and the demo call.

One module per use case:

- ``update``: refresh then summarise, under the fetch lease (cron, daemon, "refresh now", demo);
- ``refresh`` (with ``stream``): fetch, parse and store the due feeds;
- ``summarise``: summaries for the window's entries, article pages fetched for teasers;
- ``drafting``: build this week's draft, read it, decide, approve, reopen;
- ``words``: the issue's title, e-mail subject, intro and outro, as the editor sets them;
- ``additions``: add an item to the draft by URL;
- ``publishing``: publish the approved draft, send an issue by e-mail;
- ``sources``: add a feed, OPML import and export;  ``rules``: add an editor rule;
- ``suggest``: section suggestions for items given on stdin;
- ``lease``: the fetch lease the runs share.

This is the only layer that wires the stages to the store. It renders nothing for a
person, reads no command-line option or HTTP request, and never reads the clock: each
use case takes ``now`` from its caller.
"""
