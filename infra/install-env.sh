#!/bin/sh
# The gongkai Python environment, exactly as the image builds it (infra/Dockerfile) and as the deployment
# smoke test (tests/test_deploy_smoke.py) builds it without Docker:
#   sh infra/install-env.sh deps    VENV LOCKFILE   # a venv holding exactly the locked versions
#   sh infra/install-env.sh package VENV SOURCE     # then gongkai itself, no other dependency
# Two steps so the image caches the dependency layer until requirements.lock changes.
set -eu
step=${1:?usage: install-env.sh deps|package VENV PATH}
venv=${2:?virtualenv folder}
target=${3:?lock file or source folder}
case "$step" in
  deps)
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check --quiet -r "$target"
    ;;
  package)
    # editable: the Great Expectations suites and the bundled registry are read from the checkout
    # (built in pip's isolated build environment: the venv's own setuptools is too old for pyproject.toml)
    "$venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check --quiet --no-deps \
      -e "$target"
    ;;
  *)
    echo "install-env.sh: unknown step $step (deps or package)" >&2
    exit 2
    ;;
esac
