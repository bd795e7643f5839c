"""RANK: scores with reasons, section suggestions, editor rules and what the models learn.

``score`` gives each story its score and reasons; ``rules`` applies the editor's likes and
dislikes; ``sections`` suggests sections and fills the quotas; ``features`` (with the
``destinations`` table of link kinds) turns an item into the models' features;
``models`` holds the section and relevance models; ``learn`` trains them from history
and decisions; ``history`` and ``catalogues`` read past issues; ``evaluate`` runs the
rolling evaluation against baselines. It decides nothing for the editor: the draft
stage does.
"""
