# Sourced by the Makefile and .ci/run: installs what the build needs (once) and exports the
# environment for building against libtorch.
#
# With EMBEDSCOPE_LEAN=1 (the lean build: `cargo build --no-default-features`, no libtorch) only
# the first item is installed.
#
# - Debian's libopenblas-dev (ndarray-linalg's openblas-system backend): apt-get when root,
#   otherwise stop with the command to run.
# - libtorch: unless LIBTORCH or LIBTORCH_USE_PYTORCH is already set, an ignored virtualenv
#   `.venv` in the repo with torch==2.13.0 (the version tch 0.26 expects), activated, with
#   LIBTORCH_USE_PYTORCH=1 so torch-sys links the libtorch inside it.

EMBEDSCOPE_TORCH_VERSION=2.13.0
_es_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_es_fail() {
    echo "embedscope setup: $*" >&2
    return 1
}

_es_apt_install() {
    # $1: a file that shows the package is there; $2...: Debian packages to install.
    local probe="$1"
    shift
    if compgen -G "$probe" >/dev/null; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "embedscope setup: installing $* with apt-get" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >&2 ||
            _es_fail "apt-get install $* failed"
    else
        _es_fail "missing $*; run: sudo apt-get install -y $*"
    fi
}

_es_setup() {
    _es_apt_install "/usr/lib/*/libopenblas.so" libopenblas-dev || return 1
    if [ -n "${EMBEDSCOPE_LEAN:-}" ]; then
        return 0
    fi
    if [ -n "${LIBTORCH:-}" ] || [ -n "${LIBTORCH_USE_PYTORCH:-}" ] && [ -z "${EMBEDSCOPE_VENV_ACTIVE:-}" ]; then
        return 0
    fi
    local venv="$_es_root/.venv"
    local have=""
    if [ -x "$venv/bin/python" ]; then
        have="$("$venv/bin/python" -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null)"
    fi
    if [ "$have" != "$EMBEDSCOPE_TORCH_VERSION" ]; then
        if [ ! -x "$venv/bin/pip" ]; then
            python3 -m venv "$venv" 2>/dev/null || {
                _es_apt_install "/usr/lib/python3*/ensurepip/__init__.py" python3-venv || return 1
                rm -rf "$venv"
                python3 -m venv "$venv"
            } || _es_fail "could not create the virtualenv $venv" || return 1
        fi
        echo "embedscope setup: pip install torch==$EMBEDSCOPE_TORCH_VERSION into $venv (about 4.7 GB, once)" >&2
        "$venv/bin/pip" install -q --disable-pip-version-check "torch==$EMBEDSCOPE_TORCH_VERSION" >&2 ||
            _es_fail "pip install torch==$EMBEDSCOPE_TORCH_VERSION failed" || return 1
    fi
    export VIRTUAL_ENV="$venv"
    export PATH="$venv/bin:$PATH"
    export LIBTORCH_USE_PYTORCH=1
    export EMBEDSCOPE_VENV_ACTIVE=1
}

_es_setup
