"""Pictures of the store, drawn on the server as SVG: the map of the states and their bills
(``statemap``), suits per defendant (``defendants``) and timelines of a case or a matter
(``timeline``). Each reads through a plain ``Session`` and returns the SVG as text, so the web
pages inline it (no JavaScript, no request to another site) and the CLI writes it to a file;
``png`` turns one into a PNG for mail clients where the machine can.

Drawn with drawsvg, which escapes text but writes attribute values as given: every attribute
that comes from the data goes through ``svg.attr``.
"""
