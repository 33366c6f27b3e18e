"""Heard: the application layer (configuration, queue, jobs, processes and the `heard` command).

Kept free of imports so that `heard.config` and `heard.queue` can be used by every other
package without pulling in the rest.
"""
