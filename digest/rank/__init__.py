"""RANK: scores with reasons, section suggestions, editor rules and what the models learn.

``score`` gives each story its score and reasons; ``rules`` applies the editor's likes and
dislikes; ``sections`` suggests sections and fills the quotas; ``learn`` trains the section
and relevance models from history and decisions; ``history`` reads past issues and runs the
rolling evaluation. It decides nothing for the editor: the draft stage does.
"""
