"""Demo data for a local portal (`make run`): the `seed_demo` command and the builders it runs,
one module per part of the platform, each writing through that app's services exactly as real
users and agency systems do.

Nothing in the product imports this package: it sits above every app (it needs them all), and
the apps stay free of data that exists only for demonstrations.
"""
