"""`make demo`: the whole story on the local cloud, in well under a minute.

1. start the local cloud (Object Storage, Generative AI, inference, Notifications, Vault,
   the event router and the real fdk function);
2. write a tiny but real model (safetensors weights, a tokenizer.json, a chat template);
3. upload it with `model-import upload` (it checks the model first, then shows a progress bar);
4. show each stage of the import as it happens (read from the state document);
5. print the notification, as a subscriber of the topic would receive it;
6. call the new endpoint through the OpenAI-compatible route, signed like any OCI request;
7. delete the manifest, watch the teardown, and stop the local cloud.

Exit status 0 when the model went live and answered, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from localcloud.context import Timings
from localcloud.demo_models import write_model
from localcloud.server import CloudConfig, FunctionConfig, LocalCloud
from shared.clients import LOCALCLOUD_ENV, ClientFactory
from shared.contract.paths import manifest_object
from shared.contract.state import ImportState
from shared.pipeline.store import StateStore

REPO_ROOT = Path(__file__).resolve().parents[1]
NAME = "tiny-chat"
TERMINAL = {"DONE", "FAILED", "REJECTED", "TORN_DOWN"}
FUNCTION_SETTINGS = {"POLL_SECONDS": "5", "POLL_INTERVAL_SECONDS": "0.1", "AI_UNIT_PRICE_PER_HOUR": "2.5"}
# long enough to see each stage go by, short enough for a one-minute demo
TIMINGS = Timings(import_seconds=1.5, cluster_seconds=2.0, endpoint_seconds=1.0, delete_seconds=0.3)


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(step: int, text: str) -> None:
    say(f"\n\033[1m[{step}/7] {text}\033[0m")


def admin_get(cloud: LocalCloud, path: str) -> Any:
    with urllib.request.urlopen(f"{cloud.base_url}/localcloud{path}", timeout=10) as resp:
        return json.loads(resp.read())


def watch(store: StateStore, name: str, started: float, until: set[str], shown: int = 0) -> ImportState:
    """Print each transition (after the first `shown`) as it is written; return the state once in `until`."""
    timeout = 45.0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = store.get(name)
        if found is not None:
            state = found[0]
            for t in state.history[shown:]:
                say(f"  {time.monotonic() - started:5.1f}s  {t.stage.value:<17} {t.note[:90]}")
            shown = len(state.history)
            if state.stage.value in until:
                return state
        time.sleep(0.1)
    raise TimeoutError(f"{name} did not reach {sorted(until)} within {timeout:.0f} s")


def upload(folder: Path, env: dict[str, str]) -> None:
    cli = [sys.executable, "-m", "cli.main", "upload", str(folder), "--name", NAME, "--price", "2.5"]
    proc = subprocess.run(cli, env=env, cwd=REPO_ROOT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"model-import upload exited {proc.returncode}")


def call_endpoint(factory: ClientFactory, endpoint_id: str) -> str:
    from oci._vendor import requests

    from shared.pipeline.smoke import openai_headers

    body = {"model": endpoint_id, "messages": [{"role": "user", "content": "What is the capital of France?"}]}
    url = f"{factory.openai_base_url()}/chat/completions"
    say(f"  POST {url}")
    say(f"  {json.dumps(body)}")
    compartment = factory.local.compartment_id if factory.local else ""
    headers = openai_headers(compartment, None)  # the route refuses a call without them, as OCI does
    resp = requests.post(url, json=body, auth=factory.signer(), headers=headers, timeout=30)
    resp.raise_for_status()
    return str(resp.json()["choices"][0]["message"]["content"])


def run(workdir: Path) -> int:
    started = time.monotonic()
    heading(1, "Starting the local cloud")
    config = CloudConfig(
        state_dir=workdir / "localcloud",
        timings=TIMINGS,
        function=FunctionConfig(REPO_ROOT / "functions" / "func.py", extra_env=FUNCTION_SETTINGS),
    )
    cloud = LocalCloud(config).start()
    try:
        info = cloud.info()
        say(f"  {info['endpoint']}  services: {', '.join(info['services'])}")
        say(f"  watched bucket: {info['bucket']}   function: functions/func.py (real fdk, 2 workers)")
        say(f"  state bucket:   {info['state_bucket']}   (only the function writes it)")
        env = {**os.environ, LOCALCLOUD_ENV: str(cloud.info_file)}
        factory = ClientFactory(env=env)
        store = StateStore(
            factory.object_storage(), info["namespace"], info["state_bucket"], watched_bucket=info["bucket"]
        )

        heading(2, "Writing a tiny real model")
        folder = write_model(workdir / NAME, "chat", shards=2)
        for f in sorted(folder.iterdir()):
            say(f"  {f.name:<40} {f.stat().st_size:>9,} bytes")

        heading(3, f"Uploading it with `model-import upload {folder.name}`")
        upload_started = time.monotonic()
        upload(folder, env)

        heading(4, "The pipeline, stage by stage (from the state document)")
        state = watch(store, NAME, upload_started, TERMINAL)

        heading(5, "The notification, as the topic's subscribers receive it")
        # the state is written first, the notification published right after: give it a moment
        deadline = time.monotonic() + 10
        while not admin_get(cloud, "/messages")["items"] and time.monotonic() < deadline:
            time.sleep(0.05)
        for message in admin_get(cloud, "/messages")["items"]:
            say(f"  Title: {message['title']}")
            for line in message["body"].splitlines():
                say(f"  | {line}")
        if state.stage.value != "DONE" or not state.resources.endpoint_id:
            say(f"\nThe import ended {state.stage.value}: {state.last_error or state.findings}")
            return 1

        heading(6, "Calling the endpoint through the OpenAI-compatible route")
        answer = call_endpoint(factory, state.resources.endpoint_id)
        say(f"  answer: {answer}")

        heading(7, "Deleting the manifest: the deployment is torn down")
        teardown_started = time.monotonic()
        client = factory.object_storage()
        client.delete_object(info["namespace"], info["bucket"], manifest_object(NAME))
        gone = watch(store, NAME, teardown_started, {"TORN_DOWN", "FAILED"}, shown=len(state.history))
        say(f"\nDone in {time.monotonic() - started:.1f} s: live, answered, torn down ({gone.stage.value}).")
        return 0 if gone.stage.value == "TORN_DOWN" else 1
    finally:
        cloud.stop()
        say("Local cloud stopped.")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="model-import-demo-") as tmp:
        try:
            return run(Path(tmp))
        except (RuntimeError, TimeoutError, OSError) as exc:
            say(f"\ndemo failed: {exc}")
            return 1


if __name__ == "__main__":
    sys.exit(main())
