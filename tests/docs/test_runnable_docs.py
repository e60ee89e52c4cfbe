"""The documentation cannot drift: every block of README.md and docs/ marked runnable (```sh run,
```python run) runs as written, in reading order, against a fresh `rwakit serve --demo`.

Shell blocks share one bash session (variables carry from block to block, as in a reader's
terminal); Python blocks run as scripts in the same folder. The demo runs in a temporary folder, so
the docs' `.rwakit/demo` is the test's own, and `http://127.0.0.1:8000` becomes the test's port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rwakit.chain.node import free_port
from tests.docs.markdown import PAGES, Block, blocks

DOCS_URL = "http://127.0.0.1:8000"
BLOCK_TIMEOUT = 180


class Demo:
    def __init__(self, folder: Path, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.folder, self.url, self.process, self.log = folder, url, process, log


def _env() -> dict[str, str]:
    """What a reader's shell has: no RWAKIT_* settings of the developer's, the venv on PATH."""
    keep = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")}
    return {**keep, "PATH": f"{Path(sys.prefix) / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("reader")
    (folder / ".venv").symlink_to(sys.prefix)  # the docs say `source .venv/bin/activate`
    port = free_port()
    log = folder / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "rwakit.cli", "serve", "--demo", "--port", str(port)],
                                   cwd=folder, env=_env(), stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while "Uvicorn running on" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, "the demo did not start:\n" + log.read_text()
            time.sleep(0.2)
        yield Demo(folder, f"http://127.0.0.1:{port}", process, log)
    finally:
        os.kill(process.pid, signal.SIGINT)  # as Ctrl-C: the server stops, then the chain
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_make_run_prints_the_chain_with_the_keys(demo: Demo) -> None:
    printed = demo.log.read_text()
    keys = printed.index("API keys (shown once")
    chain_line = next(line for line in printed.splitlines() if line.startswith("Chain: "))
    assert "JSON-RPC on http://127.0.0.1:" in chain_line and "chain id 31337" in chain_line
    assert abs(printed.index(chain_line) - keys) < 300, "the chain is printed far from the keys"


def test_runnable_blocks_run_in_order(demo: Demo) -> None:
    runnable = [block for page in PAGES for block in blocks(page)]
    assert len(runnable) >= 10, "the convention changed? no runnable blocks found"
    shell = subprocess.Popen(["bash", "--norc", "--noprofile"], cwd=demo.folder, env=_env(), text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    assert shell.stdin is not None
    try:
        shell.stdin.write("set -eo pipefail\n")
        for number, block in enumerate(runnable):
            _run(shell, demo, number, block)
    finally:
        shell.stdin.close()
        shell.wait(30)


def _run(shell: subprocess.Popen[str], demo: Demo, number: int, block: Block) -> None:
    assert shell.stdin is not None
    code, out, done = (demo.folder / f"block-{number}.{block.language}", demo.folder / f"block-{number}.out",
                       demo.folder / f"block-{number}.rc")  # fmt: skip
    code.write_text(block.code.replace(DOCS_URL, demo.url))
    command = f"source {code.name}" if block.language == "sh" else f"python {code.name}"
    shell.stdin.write(f"{command} > {out.name} 2>&1\necho 0 > {done.name}\n")
    shell.stdin.flush()
    deadline = time.monotonic() + BLOCK_TIMEOUT
    while not done.exists():
        output = out.read_text() if out.exists() else ""
        assert shell.poll() is None, f"{block.where} ({block.language}) failed:\n{output}"
        assert time.monotonic() < deadline, f"{block.where} ran over {BLOCK_TIMEOUT} s:\n{output}"
        time.sleep(0.1)
