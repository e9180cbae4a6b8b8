# The runner of Python card services (a folder services/<name>/ with a pyproject.toml), for
# scripts/run-service.sh: source it, then call python_build DIR and python_exec DIR.
#
# A Python card service is a package (a folder with __main__.py) beside its pyproject.toml,
# which depends on cardmesh-kit; it runs as `python -m <package>` from its folder, in the
# environment of kits/python/venv.sh (the pinned kit and its dependencies; made on first use).

# python_package DIR: the service's package (the folder holding __main__.py), or nothing.
python_package() {
    local main
    main=$(find "$1" -mindepth 2 -maxdepth 2 -name __main__.py -not -path '*/tests/*' | sort | sed -n 1p)
    [[ -n $main ]] && basename "$(dirname "$main")"
}

python_is_card_service() {
    [[ -n $(python_package "$1") ]] && grep -q 'cardmesh-kit' "$1/pyproject.toml"
}

python_build() {
    kits/python/venv.sh >/dev/null
}

python_exec() {
    local venv package
    venv=$(kits/python/venv.sh)
    package=$(python_package "$1")
    [[ -n $package ]] || { echo "run-service: $1 has no package with a __main__.py" >&2; exit 1; }
    cd "$1"
    exec "$venv/bin/python" -m "$package"
}
