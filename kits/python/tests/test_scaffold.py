"""`cardmesh-cli new-service --lang python`: the scaffolded service's own tests pass at once,
run with the very command the CLI prints, and it passes ruff.

The service is written into a scratch root under target/tmp/ whose kits/python is this
checkout's (a symlink), so it runs on this kit and this venv; its tests find the gateway
binary above the scratch root (target/debug/cardmesh-gateway)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import KIT, REPO

NAME = "scaffold-py-probe"


def test_a_scaffolded_python_service_passes_its_own_tests(tmp_path_factory):
    root = REPO / "target" / "tmp" / f"scaffold-python-{os.getpid()}"
    shutil.rmtree(root, ignore_errors=True)
    (root / "kits").mkdir(parents=True)
    (root / "kits" / "python").symlink_to(KIT)
    try:
        scaffold = subprocess.run(
            ["cargo", "run", "-q", "--offline", "--locked", "-p", "cardmesh-cli", "--",
             "new-service", NAME, "--lang", "python", "--card", "last-order", "--card", "returns",
             "--ttl", "10m", "--dir", str(root)],
            cwd=REPO, capture_output=True, text=True, timeout=900)
        assert scaffold.returncode == 0, scaffold.stderr
        printed = scaffold.stdout
        service = root / "services" / NAME
        assert (service / "scaffold_py_probe_service" / "cards.py").is_file()
        assert f"cargo xtask run-service {NAME}" in printed
        assert f"http://{NAME}:50051" in printed and "scripts/build-python-images.sh" in printed

        test_command = re.search(r"^\s+(cd services/\S+ && .+ -m pytest)$", printed, re.M)
        assert test_command, printed
        tested = subprocess.run(["bash", "-c", test_command.group(1)], cwd=root, capture_output=True,
                                text=True, timeout=300)
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert re.search(r"\b4 passed\b", tested.stdout), tested.stdout

        linted = subprocess.run([str(Path(sys.executable).with_name("ruff")), "check", str(service)],
                                capture_output=True, text=True)
        assert linted.returncode == 0, linted.stdout
    finally:
        shutil.rmtree(root, ignore_errors=True)
