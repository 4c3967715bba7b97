# Empty on purpose: mypy only takes the .pyi files beside this one (the stubs of the
# generated cffi modules) when this directory is a package. The real package is always
# among mypy's sources (pyproject.toml, [tool.mypy] files), and sources win over stubs.
