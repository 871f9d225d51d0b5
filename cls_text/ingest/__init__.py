"""From survey exports to the long table.

``columns`` (which column is what), ``long`` (wide -> long, quarantine), ``text`` (clean-up and
flags for answers that say nothing) and ``validate`` (the long table's schema, checked once).
"""
