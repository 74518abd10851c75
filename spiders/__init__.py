"""The Scrapy spiders: one module per source, each turning responses into tracker records.

A spider never touches the database; its items go through the pipeline to ``tracker.store``.
"""
