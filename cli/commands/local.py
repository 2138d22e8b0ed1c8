"""`model-import local up`: the local cloud in the foreground; `local stage`: place a folder by links.

`local up` serves every emulated OCI API on 127.0.0.1, writes `<state-dir>/localcloud.json`
(point `MODEL_IMPORT_LOCALCLOUD` at it), runs the event router and, when the function file
exists, the real fdk function. Ctrl-C stops it cleanly; the state directory keeps the data.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cli.output import CliError, print_json

REPO_ROOT = Path(__file__).resolve().parents[2]  # cli/commands/local.py -> the repository
DEFAULT_FUNCTION = REPO_ROOT / "functions" / "func.py"
# Lifecycles take seconds here, so the function polls often instead of OCI-sized waits.
LOCAL_FUNCTION_SETTINGS = {"POLL_SECONDS": "20", "POLL_INTERVAL_SECONDS": "0.5"}
DEFAULT_STATE_DIR = Path(os.environ.get("MODEL_IMPORT_LOCAL_STATE", "~/.cache/model-import/localcloud"))
STATE_DIR_HELP = "state directory (env MODEL_IMPORT_LOCAL_STATE; default ~/.cache/model-import/localcloud)"


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    local = subparsers.add_parser(
        "local", parents=[common], help="run the local cloud (an emulation of the OCI APIs used)"
    )
    sub = local.add_subparsers(dest="local_command", metavar="SUBCOMMAND")

    up = sub.add_parser(
        "up",
        parents=[common],
        help="serve the local cloud in the foreground until Ctrl-C",
        description="Serve Object Storage, Generative AI, inference, Notifications, Vault and a Hugging Face "
        "Hub on 127.0.0.1, route object events to the function, and write <state-dir>/localcloud.json.",
    )
    up.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    up.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=STATE_DIR_HELP)
    up.add_argument(
        "--bucket",
        default="model-drop",
        help="watched bucket, created with object events on (default model-drop)",
    )
    up.add_argument("--namespace", default="localcloud", help="Object Storage namespace (default localcloud)")
    up.add_argument(
        "--hf-token-file",
        type=Path,
        help="file holding the Hugging Face token put in the Vault "
        "secret (default: $MODEL_IMPORT_LOCAL_HF_TOKEN, else a dummy token)",
    )
    up.add_argument(
        "--hub-root", type=Path, help="folder of local Hub repos <org>/<name>/ (default <state>/hub)"
    )
    up.add_argument(
        "--price",
        type=float,
        metavar="PER_AI_UNIT_HOUR",
        help="price of one AI unit per hour on this cloud: the function's AI_UNIT_PRICE_PER_HOUR and "
        "every command's default --price (recorded in localcloud.json)",
    )
    fn = up.add_argument_group("function")
    fn.add_argument(
        "--function",
        type=Path,
        default=DEFAULT_FUNCTION,
        help=f"fdk function file (default {DEFAULT_FUNCTION.relative_to(REPO_ROOT)})",
    )
    fn.add_argument("--entry-point", default="handler", help="function entry point (default handler)")
    fn.add_argument("--no-function", action="store_true", help="route events but invoke no function")
    fn.add_argument("--pool-size", type=int, default=2, help="concurrent function processes (default 2)")
    fn.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra function setting (repeatable), e.g. --set AI_UNIT_PRICE_PER_HOUR=10",
    )
    fn.add_argument("--trigger-on-config", action="store_true", help="also start imports on config.json")
    t = up.add_argument_group("lifecycle timings (seconds)")
    t.add_argument(
        "--import-seconds", type=float, default=2.0, help="a model import takes this long (default 2)"
    )
    t.add_argument(
        "--cluster-seconds", type=float, default=2.0, help="a cluster create takes this long (default 2)"
    )
    t.add_argument(
        "--endpoint-seconds", type=float, default=1.0, help="an endpoint create takes this long (default 1)"
    )
    t.add_argument("--delete-seconds", type=float, default=0.5, help="a delete takes this long (default 0.5)")
    f = up.add_argument_group("faults and notifications")
    f.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help='fault rule, e.g. \'{"service": "objectstorage", "status": 429, "rate": 0.1}\'',
    )
    f.add_argument(
        "--fail-work-request",
        action="append",
        default=[],
        metavar="NAME[:OPERATION]",
        help="fail the work requests on a resource of this display name or model id",
    )
    f.add_argument(
        "--event-fault",
        action="append",
        default=[],
        metavar="JSON",
        help='deliver events twice or late, e.g. \'{"duplicate_rate": 0.2, "jitter_seconds": 3}\'',
    )
    f.add_argument("--subscriber", help="forward every published notification to this loopback URL")
    f.add_argument("--verbose", action="store_true", help="log every HTTP request")
    up.set_defaults(func=run_up)

    stage = sub.add_parser(
        "stage",
        parents=[common],
        help="place a local model folder in the bucket by hard links (no copy), as if uploaded",
    )
    stage.add_argument("folder", type=Path, help="the model folder to place")
    stage.add_argument("--prefix", help="object prefix (default models/<folder name>/)")
    stage.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help="the running local cloud's " + STATE_DIR_HELP,
    )
    stage.set_defaults(func=run_stage)

    local.set_defaults(func=lambda args: _usage(local))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _parse_settings(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"--set {pair!r}: use KEY=VALUE", 2)
        settings[key] = value
    return settings


def _parse_specs(specs: list[str], option: str, model: Any) -> list[dict[str, Any]]:
    """Each --fault / --event-fault value as JSON validated by its localcloud.faults model."""
    from pydantic import ValidationError

    parsed = []
    for spec in specs:
        try:
            parsed.append(model.model_validate_json(spec).model_dump())
        except ValidationError as exc:
            raise CliError(f"{option} {spec!r}: {exc.errors()[0]['msg']}", 2) from None
    return parsed


def run_up(args: argparse.Namespace) -> int:
    from localcloud.context import Timings
    from localcloud.faults import EventFaultSpec, FaultSpec
    from localcloud.server import CloudConfig, FunctionConfig, LocalCloud

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.verbose:
        logging.getLogger("localcloud").setLevel(logging.DEBUG)
    hf_token = None
    if args.hf_token_file:
        try:
            hf_token = args.hf_token_file.expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CliError(f"--hf-token-file: {exc.strerror}: {args.hf_token_file}", 2) from None
    function = None
    if not args.no_function:
        if args.function.exists():
            function = FunctionConfig(
                args.function.resolve(),
                args.entry_point,
                pool_size=args.pool_size,
                extra_env={**LOCAL_FUNCTION_SETTINGS, **_parse_settings(args.settings)},
            )
        elif args.function != DEFAULT_FUNCTION:
            raise CliError(f"--function {args.function} does not exist", 2)
    if args.price is not None and args.price < 0:
        raise CliError("--price cannot be negative", 2)
    work_request_faults = []
    for item in args.fail_work_request:
        name, _, operation = item.partition(":")
        work_request_faults.append({"name": name, "operation": operation or None})
    config = CloudConfig(
        state_dir=args.state_dir.expanduser(),
        port=args.port,
        region=args.region or "us-chicago-1",
        namespace=args.namespace,
        bucket=args.bucket,
        compartment_id=args.compartment_id or "ocid1.compartment.oc1..localcloud",
        timings=Timings(
            args.import_seconds, args.cluster_seconds, args.endpoint_seconds, args.delete_seconds
        ),
        hf_token=hf_token,
        hub_root=args.hub_root,
        function=function,
        optional_rules=("TRIGGER_ON_CONFIG",) if args.trigger_on_config else (),
        faults=_parse_specs(args.fault, "--fault", FaultSpec),
        work_request_faults=work_request_faults,
        event_faults=_parse_specs(args.event_fault, "--event-fault", EventFaultSpec),
        subscriber_url=args.subscriber,
        ai_unit_price=args.price,
    )
    try:
        cloud = LocalCloud(config)
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
    try:
        cloud.start()
    except OSError as exc:
        cloud.stop()
        raise CliError(f"cannot serve on port {args.port}: {exc.strerror}", 1) from None
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if args.output == "json":
            _print_info_json(cloud)
        else:
            _print_banner(cloud, function is not None)
        stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("stopping…", file=sys.stderr)
        cloud.stop()
    print("stopped; state kept in", cloud.state_dir, file=sys.stderr)
    return 0


def _print_info_json(cloud: Any) -> None:
    """The localcloud.json content, on one line so a parent process can `readline()` it."""
    info = json.loads(Path(cloud.info_file).read_text(encoding="utf-8"))
    print(json.dumps(info, sort_keys=True), flush=True)
    for name, error in cloud.service_errors.items():
        print(f"warning: service {name} failed to load: {error}", file=sys.stderr)


def _print_banner(cloud: Any, with_function: bool) -> None:
    info = cloud.info()
    function = cloud.config.function.path if with_function else "none (events are routed, not delivered)"
    lines = [
        f"local cloud serving on {info['endpoint']} (region {info['region']}, namespace {info['namespace']})",
        f"  services     {', '.join(info['services'])}",
        f"  bucket       {info['bucket']} (object events on)",
        f"  topic        {info['topic_id']}   messages: {info['admin']}/messages",
        f"  HF secret    {info['hf_token_secret_id']}",
        f"  hub          {info['hub_endpoint']}   (HF_ENDPOINT)",
        f"  admin        {info['admin']} (health, messages, events, deliveries, faults, stage)",
        f"  OCI config   {info['config_file']} [profile {info['profile']}]",
        f"  function     {function}",
        "  price        "
        + (
            f"{info['ai_unit_price_per_hour']:g} per AI unit hour (every command's default --price)"
            if info.get("ai_unit_price_per_hour") is not None
            else "no price configured (--price)"
        ),
        "",
        f"  export MODEL_IMPORT_LOCALCLOUD={cloud.info_file}",
        "  Ctrl-C to stop",
    ]
    for name, error in cloud.service_errors.items():
        lines.insert(2, f"  ! service {name} failed to load: {error}")
    print("\n".join(lines), flush=True)


def run_stage(args: argparse.Namespace) -> int:
    info_file = Path(
        os.environ.get("MODEL_IMPORT_LOCALCLOUD") or args.state_dir.expanduser() / "localcloud.json"
    )
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except OSError:
        raise CliError(
            f"no running local cloud: {info_file} not found (start `model-import local up`)", 1
        ) from None
    folder = args.folder.expanduser().resolve()
    prefix = args.prefix or f"models/{folder.name}/"
    body = json.dumps({"folder": str(folder), "prefix": prefix}).encode()
    req = urllib.request.Request(
        f"{info['admin']}/stage", data=body, method="POST", headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            result = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        detail = json.loads(exc.read() or b"{}")
        raise CliError(f"staging refused: {detail.get('code')}: {detail.get('message')}", 1) from None
    except urllib.error.URLError as exc:
        raise CliError(f"the local cloud at {info['admin']} does not answer: {exc.reason}", 1) from None
    if args.output == "json":
        print_json(result)
    else:
        how = {o["how"] for o in result["objects"]}
        print(
            f"staged {len(result['objects'])} objects ({result['total_bytes']} bytes, "
            f"{result['bytes_copied']} copied; {', '.join(sorted(how)) or 'nothing'}) under {prefix}"
        )
    return 0
