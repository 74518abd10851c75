"""The Scrapy spiders: one module per source, each turning responses into tracker records.

A spider never touches the database: its items go through the pipeline to ``tracker.intake``,
and the extension in ``extensions.py`` keeps its run record.
"""
