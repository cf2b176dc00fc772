"""torchvision 0.28.0's own ResNet code (torchvision/models/resnet.py), run under real PyTorch: the
oracle for autograd_core.vision.models.

torchvision cannot be installed next to the CPU build of torch used by the tests (its wheel's C
extension is built against a CUDA torch and fails to register its operators on import), and its
code is not copied into this repository. Instead this module takes the file from the published
wheel -- ``pip download torchvision==0.28.0 --no-deps`` into a cache directory, once -- and
executes it, with the torchvision files it imports (_utils.py, models/_api.py, models/_meta.py,
models/_utils.py: the weights enums and the pretrained= handling), as modules of a package of its
own (tv_oracle). Three stand-ins replace what would load C code or download: torch.hub's
load_state_dict_from_url (raises the same "cannot be downloaded here" error as autograd_core.vision),
transforms' ImageClassification preset (never called) and API-usage logging (a no-op).
BasicBlock, Bottleneck, ResNet, conv1x1, conv3x3, _resnet, resnet18, resnet34, ResNet18_Weights are
torchvision's code unchanged.

    from oracles.torchvision_resnet import load
    tv = load()                      # a module: tv.resnet18(), tv.ResNet, tv.BasicBlock, ...

Cache: $CGRAPH_ORACLE_CACHE, else the running venv's oracles/ folder (`make test` downloads the wheel
there while it installs the test extra, so the suite itself needs no download). A wheel already on
disk can be named with $CGRAPH_TORCHVISION_WHEEL.
"""
import functools
import os
import subprocess
import sys
import types
import zipfile
from pathlib import Path

VERSION = "0.28.0"
SOURCE = "torchvision/models/resnet.py"


def _cache_dir():
    return Path(os.environ.get("CGRAPH_ORACLE_CACHE", Path(sys.prefix) / "oracles"))


def wheel_path():
    """The torchvision wheel (downloaded with pip into the cache the first time)."""
    given = os.environ.get("CGRAPH_TORCHVISION_WHEEL")
    if given:
        return Path(given)
    cache = _cache_dir()
    found = sorted(cache.glob(f"torchvision-{VERSION}-*.whl"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "download", f"torchvision=={VERSION}", "--no-deps",
                           "--only-binary=:all:", "--dest", str(cache), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    found = sorted(cache.glob(f"torchvision-{VERSION}-*.whl"))
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"could not download the torchvision {VERSION} wheel (the ResNet oracle):\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return found[0]


def _check_version(wheel):
    """torchvision's git commit, after checking the wheel is the version asked for."""
    namespace = {}
    version = wheel.read("torchvision/version.py").decode()
    exec(version.split("from torchvision.extension")[0], namespace)  # (its tail imports the C extension)
    if namespace["__version__"].split("+")[0] != VERSION:
        raise RuntimeError(f"{wheel.filename} is torchvision {namespace['__version__']}, not {VERSION}")
    return namespace["git_version"]


# --- the files executed, and the stand-ins for what would load C code, weights or transforms ----
FILES = {  # module name here: file in the wheel (torchvision's own code, executed unchanged)
    "tv_oracle._utils": "torchvision/_utils.py",
    "tv_oracle.models._meta": "torchvision/models/_meta.py",
    "tv_oracle.models._api": "torchvision/models/_api.py",
    "tv_oracle.models._utils": "torchvision/models/_utils.py",
    "tv_oracle.models.resnet": SOURCE,
}


def _no_download(url, *args, **kwargs):
    """Stand-in for torch.hub's load_state_dict_from_url: nothing can be downloaded here."""
    from autograd_core.vision.models.resnet import weights_unavailable_message
    raise RuntimeError(weights_unavailable_message(url))


def _package(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    m.__path__ = []
    sys.modules[name] = m
    return m


def _stand_ins():
    _package("tv_oracle")
    _package("tv_oracle.models")
    _package("tv_oracle._internally_replaced_utils", load_state_dict_from_url=_no_download)
    _package("tv_oracle.transforms")
    _package("tv_oracle.transforms._presets", ImageClassification=lambda *args, **kwargs: None)
    _package("tv_oracle.utils", _log_api_usage_once=lambda obj: None)


@functools.lru_cache(maxsize=None)
def load():
    """torchvision.models.resnet as a module (tv_oracle.models.resnet), under the real torch."""
    import torch
    if not hasattr(torch, "_C"):
        raise RuntimeError("the torchvision oracle runs under real PyTorch only")
    _stand_ins()
    with zipfile.ZipFile(wheel_path()) as wheel:
        commit = _check_version(wheel)
        for name, path in FILES.items():
            module = types.ModuleType(name)
            module.__package__ = name.rsplit(".", 1)[0]
            module.__file__ = f"torchvision-{VERSION}.whl/{path}"
            sys.modules[name] = module
            exec(compile(wheel.read(path).decode(), module.__file__, "exec"), module.__dict__)
    resnet = sys.modules["tv_oracle.models.resnet"]
    resnet.TORCHVISION_COMMIT = commit
    return resnet
