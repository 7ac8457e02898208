"""Checks of the docker-compose deployment that run without a Docker engine.

The compose file is interpolated with .env.example (as `docker compose` would with a fresh .env),
validated against the vendored Compose Specification schema, and its Airflow commands and
connections are run through the pinned Airflow's own CLI parser and connection classes.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from regime_radar.config import CONNECTION_IDS
from tests.support.connections import aws_conn_json, smtp_conn_json

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SCHEMA_FILE = ROOT / "tests" / "fixtures" / "compose-spec.json"
# The README's deployment section; the commands it tells newcomers to run are checked too.
DEPLOYMENT_DOC = ROOT / "README.md"

AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
)
OTHER_SERVICES = ("postgres", "redis", "minio", "minio-init", "mailpit")
# Every component must run these; the worker's comes from the celery provider.
EXPECTED_AIRFLOW_COMMANDS = {
    "api-server",
    "scheduler",
    "dag-processor",
    "triggerer",
    "celery worker",
    "db migrate",
}
SHARED_SECRETS = ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__FERNET_KEY")

# $$, $NAME, ${NAME} and ${NAME<op><arg>} with op one of :- - :? ? :+ +
_VARIABLE = re.compile(r"\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$", re.DOTALL)


class InterpolationError(ValueError):
    """A required variable is missing or an expression is not one compose understands."""


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a compose .env file: KEY=VALUE lines, # comments, optional surrounding quotes."""
    env: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise ValueError(f"{path.name}:{number}: not a KEY=VALUE line: {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def _parse_braced(expression: str) -> tuple[str, str, str]:
    if "$" in expression:
        raise InterpolationError(f"nested interpolation is not supported: ${{{expression}}}")
    match = _BRACED.match(expression)
    if not match:
        raise InterpolationError(f"invalid interpolation: ${{{expression}}}")
    name, operator, argument = match.groups()
    return name, operator or "", argument or ""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Substitute variables in one compose value the way `docker compose` does."""

    def substitute(match: re.Match[str]) -> str:
        escaped, braced, bare = match.groups()
        if escaped:
            return "$"
        if bare:
            return env.get(bare, "")
        name, operator, argument = _parse_braced(braced)
        value = env.get(name)
        present, non_empty = value is not None, bool(value)
        if operator == ":-":
            return value if non_empty else argument
        if operator == "-":
            return value if present else argument
        if operator in (":?", "?"):
            if (operator == ":?" and not non_empty) or not present:
                raise InterpolationError(f"required variable {name} is missing a value: {argument}")
            return value
        if operator == ":+":
            return argument if non_empty else ""
        if operator == "+":
            return argument if present else ""
        return value or ""

    return _VARIABLE.sub(substitute, text)


def interpolate_tree(node: Any, env: Mapping[str, str]) -> Any:
    """Interpolate every string value (not the keys) of a parsed compose document."""
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(value, env) for value in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


def iter_strings(node: Any) -> Iterator[str]:
    """Yield every string value of a parsed YAML document."""
    if isinstance(node, dict):
        for value in node.values():
            yield from iter_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_strings(value)
    elif isinstance(node, str):
        yield node


def variables_used(document: Any) -> dict[str, bool]:
    """Map each variable the compose values reference to whether every use of it has a default."""
    used: dict[str, bool] = {}
    for text in iter_strings(document):
        for escaped, braced, bare in _VARIABLE.findall(text):
            if escaped:
                continue
            if bare:
                name, has_default = bare, False
            else:
                name, operator, _ = _parse_braced(braced)
                has_default = operator in (":-", "-", ":+", "+")
            used[name] = used.get(name, True) and has_default
    return used


def airflow_invocations(script: str) -> list[list[str]]:
    """Find the `airflow ...` commands in a shell script, one argument list per invocation."""
    invocations = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        for index, token in enumerate(tokens):
            if token == "airflow" or token.endswith("/airflow"):
                args = []
                for arg in tokens[index + 1 :]:
                    if set(arg) <= set("();<>|&"):
                        break
                    args.append(arg)
                invocations.append(args)
    return invocations


def service_airflow_commands(service: dict[str, Any]) -> list[list[str]]:
    """Every Airflow CLI command a service of the project image runs: its command and its health check."""
    commands = []
    command = service.get("command")
    argv = shlex.split(command) if isinstance(command, str) else list(command or [])
    if argv[:2] == ["bash", "-c"]:
        commands.extend(airflow_invocations(argv[2]))
    elif argv:
        # The image's entrypoint runs `airflow <command>` for a bare Airflow subcommand.
        commands.append(argv[1:] if argv[0] == "airflow" else argv)
    test = service.get("healthcheck", {}).get("test", [])
    if isinstance(test, str):
        commands.extend(airflow_invocations(test))
    elif test[:1] == ["CMD-SHELL"]:
        commands.extend(airflow_invocations(" ".join(test[1:])))
    elif test[:1] == ["CMD"] and test[1:2] == ["airflow"]:
        commands.append(test[2:])
    return commands


def docker_exec_commands(markdown: str) -> list[tuple[str, list[str]]]:
    """(service, argv) of every `docker compose exec [-T] <service> ...` line in a document."""
    commands = []
    for line in markdown.splitlines():
        if line.strip().startswith("docker compose exec "):
            rest = shlex.split(line.strip(), comments=True)[3:]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            commands.append((rest[0], rest[1:]))
    return commands


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """Split a Dockerfile into (INSTRUCTION, arguments), joining continuation lines and dropping comments."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        pending += " " + stripped.rstrip("\\") if pending else stripped.rstrip("\\")
        if not stripped.endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            pending = ""
    return instructions


def pinned_versions(path: Path) -> dict[str, str]:
    """Read `name==version` pins (extras dropped, names normalised) from a requirements file or lock."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;#]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def _json_conn(value: str) -> dict[str, Any]:
    data = json.loads(value)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def compose(raw_compose: dict[str, Any], env_example: dict[str, str]) -> dict[str, Any]:
    return interpolate_tree(raw_compose, env_example)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))


_AIRFLOW_PROBE = r"""
import contextlib, io, json, sys

request = json.loads(sys.stdin.read())
from airflow.cli.cli_parser import get_parser

parser = get_parser()
commands = {}
for argv in request["commands"]:
    output = io.StringIO()
    try:
        with contextlib.redirect_stderr(output), contextlib.redirect_stdout(output):
            parser.parse_args(argv)
    except SystemExit:
        errors = [line for line in output.getvalue().splitlines() if "error" in line]
        commands[" ".join(argv)] = errors[-1] if errors else output.getvalue()[-300:]
    else:
        commands[" ".join(argv)] = "ok"

from airflow.providers.amazon.aws.utils.connection_wrapper import AwsConnectionWrapper
from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.sdk.definitions.connection import Connection

connections = {}
for label, (conn_id, value) in request["connections"].items():
    conn = Connection.from_json(value, conn_id=conn_id)
    seen = {"conn_type": conn.conn_type, "host": conn.host, "port": conn.port, "extra": conn.extra_dejson}
    if conn.conn_type == "aws":
        wrapper = AwsConnectionWrapper(conn=conn)
        seen["aws"] = {
            "endpoint_url": wrapper.endpoint_url,
            "region_name": wrapper.region_name,
            "key": wrapper.aws_access_key_id,
            "has_secret": bool(wrapper.aws_secret_access_key),
        }
    if conn.conn_type == "smtp":
        hook = SmtpHook(smtp_conn_id=conn_id)
        hook.smtp_connection = conn  # what get_conn() sets before it opens the socket
        seen["smtp"] = {
            "starttls": hook.smtp_starttls,
            "ssl": hook.use_ssl,
            "host": hook.host,
            "port": hook.port,
            "from_email": hook.from_email,
            "timeout": hook.timeout,
            "retry_limit": hook.smtp_retry_limit,
        }
    connections[label] = seen

try:
    from importlib.metadata import version

    celery_provider = version("apache-airflow-providers-celery")
except Exception:
    celery_provider = None
with open(sys.argv[1], "w") as fh:
    json.dump({"commands": commands, "connections": connections, "celery_provider": celery_provider}, fh)
"""


@pytest.fixture(scope="module")
def compose_commands(compose: dict[str, Any]) -> list[list[str]]:
    return [argv for name in AIRFLOW_SERVICES for argv in service_airflow_commands(compose["services"][name])]


@pytest.fixture(scope="module")
def documented_commands() -> list[tuple[str, list[str]]]:
    return docker_exec_commands(DEPLOYMENT_DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def airflow_probe(
    compose: dict[str, Any],
    compose_commands: list[list[str]],
    documented_commands: list[tuple[str, list[str]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Run the Airflow commands (compose file and docs) and connections through the installed Airflow, once."""
    workdir = tmp_path_factory.mktemp("airflow-probe")
    commands = compose_commands + [argv[1:] for _, argv in documented_commands if argv[0] == "airflow"]
    common_env = compose["x-airflow-common"]["environment"]
    connections = {
        f"compose:{key}": (conn_id, common_env[f"AIRFLOW_CONN_{conn_id.upper()}"])
        for key, conn_id in CONNECTION_IDS.items()
    }
    connections["helper:warehouse"] = (
        CONNECTION_IDS["warehouse"],
        aws_conn_json("http://127.0.0.1:9000", "test-key", "test-secret"),
    )
    connections["helper:smtp"] = (CONNECTION_IDS["smtp"], smtp_conn_json("127.0.0.1", 2525))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
    env["AIRFLOW_HOME"] = str(workdir / "airflow-home")
    out = workdir / "result.json"
    subprocess.run(
        [sys.executable, "-c", _AIRFLOW_PROBE, str(out)],
        input=json.dumps({"commands": commands, "connections": connections}),
        text=True,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return json.loads(out.read_text(encoding="utf-8"))


# --- the compose file against the Compose Specification -------------------------------------------------


def test_compose_file_validates_against_the_compose_schema(compose: dict[str, Any], schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(compose)


def _misspell_healthcheck(doc: dict[str, Any]) -> None:
    doc["services"]["postgres"]["helthcheck"] = doc["services"]["postgres"].pop("healthcheck")


def _unknown_condition(doc: dict[str, Any]) -> None:
    doc["services"]["airflow-worker"]["depends_on"]["redis"]["condition"] = "service_ready"


def _ports_as_mapping(doc: dict[str, Any]) -> None:
    doc["services"]["airflow-apiserver"]["ports"] = {"8080": 8080}


def _dependency_without_condition(doc: dict[str, Any]) -> None:
    doc["services"]["airflow-scheduler"]["depends_on"]["postgres"] = {"restart": True}


@pytest.mark.parametrize(
    "breakage", [_misspell_healthcheck, _unknown_condition, _ports_as_mapping, _dependency_without_condition]
)
def test_schema_check_rejects_a_broken_copy(compose: dict[str, Any], schema: dict[str, Any], breakage: Any) -> None:
    broken = copy.deepcopy(compose)
    breakage(broken)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_interpolation_fails_without_the_required_secrets(raw_compose: dict[str, Any]) -> None:
    with pytest.raises(InterpolationError, match="AIRFLOW_FERNET_KEY"):
        interpolate_tree(raw_compose, {})


# --- .env.example -----------------------------------------------------------------------------------------


def test_env_example_defines_every_variable_without_a_default(
    raw_compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    required = {name for name, has_default in variables_used(raw_compose).items() if not has_default}
    assert required, "expected the compose file to require secrets from .env"
    assert sorted(required - env_example.keys()) == []
    assert sorted(name for name in required if not env_example[name]) == []


def test_env_example_has_no_variable_the_compose_file_ignores(
    raw_compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    assert sorted(env_example.keys() - variables_used(raw_compose).keys()) == []


def test_compose_defaults_are_the_demo_setup(raw_compose: dict[str, Any], env_example: dict[str, str]) -> None:
    """With only the required secrets set, the stack is the demo: replay feeds, MinIO, Mailpit without TLS."""
    required = {name for name, has_default in variables_used(raw_compose).items() if not has_default}
    env = interpolate_tree(raw_compose, {name: env_example[name] for name in required})["x-airflow-common"][
        "environment"
    ]
    warehouse = _json_conn(env[f"AIRFLOW_CONN_{CONNECTION_IDS['warehouse'].upper()}"])
    smtp = _json_conn(env[f"AIRFLOW_CONN_{CONNECTION_IDS['smtp'].upper()}"])
    assert env["REGIME_RADAR_MODE"] == "replay"
    assert env["REGIME_RADAR_WAREHOUSE"] == "s3://regime-radar/warehouse"
    assert warehouse["extra"] == {"endpoint_url": "http://minio:9000", "region_name": "us-east-1"}
    assert (smtp["host"], smtp["port"], smtp["extra"]["disable_tls"], smtp["extra"]["disable_ssl"]) == (
        "mailpit",
        1025,
        True,
        True,
    )


def test_env_example_fernet_key_is_a_valid_key(env_example: dict[str, str]) -> None:
    from cryptography.fernet import Fernet

    Fernet(env_example["AIRFLOW_FERNET_KEY"].encode())


# --- services, anchors, health checks ---------------------------------------------------------------------


def test_services_are_the_production_set(compose: dict[str, Any]) -> None:
    assert sorted(compose["services"]) == sorted(AIRFLOW_SERVICES + OTHER_SERVICES)


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_service_uses_the_common_anchor_and_celery(compose: dict[str, Any], name: str) -> None:
    common = compose["x-airflow-common"]
    service = compose["services"][name]
    assert service["image"] == common["image"]
    assert service["build"] == common["build"]
    assert {k: service["environment"].get(k) for k in common["environment"]} == common["environment"]
    assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for dependency, condition in common["depends_on"].items():
        assert service["depends_on"][dependency] == condition


def test_secrets_shared_by_components_are_one_value(raw_compose: dict[str, Any], compose: dict[str, Any]) -> None:
    for key in SHARED_SECRETS:
        raw_values = {raw_compose["services"][name]["environment"][key] for name in AIRFLOW_SERVICES}
        values = {compose["services"][name]["environment"][key] for name in AIRFLOW_SERVICES}
        assert len(raw_values) == 1, f"{key} differs between components: {raw_values}"
        assert len(values) == 1 and values != {""}, key


def test_worker_can_be_scaled(compose: dict[str, Any]) -> None:
    worker = compose["services"]["airflow-worker"]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert "network_mode" not in worker


def test_dependencies_wait_for_health_or_completion(compose: dict[str, Any]) -> None:
    services = compose["services"]
    one_shot = {name for name, service in services.items() if service.get("restart", "no") == "no"}
    assert one_shot == {"airflow-init", "minio-init"}
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency, spec in depends_on.items():
            expected = "service_completed_successfully" if dependency in one_shot else "service_healthy"
            assert spec.get("condition") == expected, f"{name} -> {dependency}"
    for name in services.keys() - one_shot:
        healthcheck = services[name].get("healthcheck", {})
        assert healthcheck.get("test") and not healthcheck.get("disable"), f"{name} has no health check"


def test_published_ports_are_the_documented_ones(compose: dict[str, Any]) -> None:
    published = {
        int(spec.rsplit(":", 2)[-2]): name
        for name, service in compose["services"].items()
        for spec in service.get("ports", [])
    }
    assert published == {
        8080: "airflow-apiserver",
        9000: "minio",
        9001: "minio",
        8025: "mailpit",
        1025: "mailpit",
    }
    documented = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    assert sorted(port for port in published if f"localhost:{port}" not in documented) == []


# --- connections ------------------------------------------------------------------------------------------


def test_every_connection_id_is_defined_in_the_common_environment(compose: dict[str, Any]) -> None:
    common_env = compose["x-airflow-common"]["environment"]
    for conn_id in CONNECTION_IDS.values():
        value = common_env.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        assert value, f"AIRFLOW_CONN_{conn_id.upper()} is not defined"
        assert _json_conn(value)["conn_type"]


def test_feed_connections_carry_the_live_mode_secrets(compose: dict[str, Any]) -> None:
    common_env = compose["x-airflow-common"]["environment"]
    fred = _json_conn(common_env[f"AIRFLOW_CONN_{CONNECTION_IDS['fred'].upper()}"])
    sec = _json_conn(common_env[f"AIRFLOW_CONN_{CONNECTION_IDS['sec'].upper()}"])
    assert (fred["conn_type"], "password" in fred) == ("http", True)
    assert (sec["conn_type"], "user_agent" in sec["extra"]) == ("http", True)


@pytest.mark.parametrize(("key", "helper"), [("warehouse", "aws"), ("smtp", "smtp")])
def test_test_helpers_build_the_compose_connection_shapes(compose: dict[str, Any], key: str, helper: str) -> None:
    compose_conn = _json_conn(compose["x-airflow-common"]["environment"][f"AIRFLOW_CONN_{CONNECTION_IDS[key].upper()}"])
    helper_conn = _json_conn(
        aws_conn_json("http://127.0.0.1:9000", "k", "s") if helper == "aws" else smtp_conn_json("127.0.0.1", 2525)
    )
    assert compose_conn["conn_type"] == helper_conn["conn_type"] == helper
    assert compose_conn.keys() == helper_conn.keys()
    assert compose_conn["extra"].keys() == helper_conn["extra"].keys()
    for compose_part, helper_part in (
        (compose_conn, helper_conn),
        (compose_conn["extra"], helper_conn["extra"]),
    ):
        assert {k: type(v) for k, v in compose_part.items()} == {k: type(v) for k, v in helper_part.items()}


def test_airflow_reads_the_warehouse_connections_as_s3_with_an_endpoint(
    airflow_probe: dict[str, Any], env_example: dict[str, str]
) -> None:
    compose_aws = airflow_probe["connections"]["compose:warehouse"]["aws"]
    helper_aws = airflow_probe["connections"]["helper:warehouse"]["aws"]
    assert compose_aws == {
        "endpoint_url": env_example["WAREHOUSE_ENDPOINT_URL"],
        "region_name": env_example["WAREHOUSE_REGION"],
        "key": env_example["WAREHOUSE_ACCESS_KEY_ID"],
        "has_secret": True,
    }
    assert helper_aws == {
        "endpoint_url": "http://127.0.0.1:9000",
        "region_name": "us-east-1",
        "key": "test-key",
        "has_secret": True,
    }


def test_airflow_reads_the_smtp_connections_with_tls_off(
    airflow_probe: dict[str, Any], env_example: dict[str, str]
) -> None:
    compose_smtp = airflow_probe["connections"]["compose:smtp"]["smtp"]
    helper_smtp = airflow_probe["connections"]["helper:smtp"]["smtp"]
    assert compose_smtp == {
        "starttls": False,
        "ssl": False,
        "host": "mailpit",
        "port": 1025,
        "from_email": env_example["REGIME_RADAR_ALERT_FROM"],
        "timeout": 30,
        "retry_limit": 5,
    }
    assert helper_smtp == {
        "starttls": False,
        "ssl": False,
        "host": "127.0.0.1",
        "port": 2525,
        "from_email": "regime-radar@example.com",
        "timeout": 30,
        "retry_limit": 5,
    }


def test_tests_build_connections_only_through_the_support_helpers() -> None:
    """The integration tests must use the compose file's shapes, so no test spells out its own."""
    literal = re.compile(r"""["']conn_type["']\s*:\s*["'](aws|smtp)["']|["'](aws|smtp)://""")
    allowed = {ROOT / "tests" / "support" / "connections.py", Path(__file__).resolve()}
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path.resolve() not in allowed and literal.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "build aws/smtp connections with tests/support/connections.py"


# --- commands the containers run ----------------------------------------------------------------------------


def test_airflow_commands_exist_in_the_pinned_airflow(
    airflow_probe: dict[str, Any], compose_commands: list[list[str]]
) -> None:
    """Every command the services and health checks run parses with the installed Airflow's CLI.

    `celery worker` needs apache-airflow-providers-celery, which requirements.lock does not pin; where
    this environment lacks it, test_worker_command_is_checked_by_the_image_build covers it instead.
    """
    results = {" ".join(argv): airflow_probe["commands"][" ".join(argv)] for argv in compose_commands}
    started = {cmd for cmd in results if not cmd.startswith("jobs ") and cmd != "version"}
    assert started == EXPECTED_AIRFLOW_COMMANDS
    celery_here = airflow_probe["celery_provider"] is not None
    failures = {
        cmd: outcome
        for cmd, outcome in results.items()
        if outcome != "ok" and (celery_here or not cmd.startswith("celery "))
    }
    assert failures == {}


def test_worker_command_is_checked_by_the_image_build(
    airflow_probe: dict[str, Any], dockerfile: list[tuple[str, str]]
) -> None:
    """The reference image ships the celery provider; its build runs the worker's command with --help."""
    celery_commands = [cmd for cmd in airflow_probe["commands"] if cmd.startswith("celery ")]
    assert celery_commands == ["celery worker"]
    build_runs = " ".join(arguments for keyword, arguments in dockerfile if keyword == "RUN")
    assert "airflow celery worker --help" in build_runs
    if airflow_probe["celery_provider"] is None:
        # Not checkable here: the only reason may be the missing provider, never a wrong argument.
        assert "invalid choice: 'celery'" in airflow_probe["commands"]["celery worker"]


def test_healthchecks_run_valid_airflow_commands(airflow_probe: dict[str, Any]) -> None:
    jobs = {cmd: outcome for cmd, outcome in airflow_probe["commands"].items() if cmd.startswith("jobs check")}
    assert len(jobs) == 2
    assert set(jobs.values()) == {"ok"}


def test_documented_commands_run_in_existing_services(
    compose: dict[str, Any], documented_commands: list[tuple[str, list[str]]]
) -> None:
    programs = {argv[0] for _, argv in documented_commands}
    assert {"airflow", "regime-radar"} <= programs
    assert sorted({service for service, _ in documented_commands} - compose["services"].keys()) == []


def test_documented_airflow_commands_exist(
    airflow_probe: dict[str, Any], documented_commands: list[tuple[str, list[str]]]
) -> None:
    results = {
        " ".join(argv[1:]): airflow_probe["commands"][" ".join(argv[1:])]
        for _, argv in documented_commands
        if argv[0] == "airflow"
    }
    assert {cmd.split()[1] for cmd in results} >= {"unpause", "trigger"}
    assert {cmd: outcome for cmd, outcome in results.items() if outcome != "ok"} == {}


def test_documented_regime_radar_commands_exist(documented_commands: list[tuple[str, list[str]]]) -> None:
    from regime_radar.cli import build_parser

    for _, argv in documented_commands:
        if argv[0] == "regime-radar":
            build_parser().parse_args(argv[1:])


# --- the image --------------------------------------------------------------------------------------------


def test_image_tag_matches_the_pinned_airflow_and_python(dockerfile: list[tuple[str, str]]) -> None:
    froms = [arguments for keyword, arguments in dockerfile if keyword == "FROM"]
    assert len(froms) == 1
    match = re.fullmatch(r"apache/airflow:(\d+\.\d+\.\d+)-python(\d+\.\d+)", froms[0])
    assert match, f"expected the official reference image with an explicit version, got {froms[0]!r}"
    airflow_version, python_version = match.groups()
    assert pinned_versions(ROOT / "requirements.txt")["apache-airflow"] == airflow_version
    assert pinned_versions(ROOT / "requirements.lock")["apache-airflow"] == airflow_version
    requires_python = re.search(r'requires-python\s*=\s*">=(\d+\.\d+)', (ROOT / "pyproject.toml").read_text())
    assert requires_python and requires_python.group(1) == python_version


def test_dockerfile_installs_from_the_lock(dockerfile: list[tuple[str, str]]) -> None:
    copied = {}
    for keyword, arguments in dockerfile:
        if keyword == "COPY":
            parts = [p for p in shlex.split(arguments) if not p.startswith("--")]
            for source in parts[:-1]:
                copied[source] = parts[-1]
    assert "requirements.lock" in copied
    destination = copied["requirements.lock"]
    runs = [arguments for keyword, arguments in dockerfile if keyword == "RUN"]
    installs = [run for run in runs if re.search(r"\bpip install\b.*--no-deps\b.*-r\s+" + re.escape(destination), run)]
    assert installs, f"no `pip install --no-deps -r {destination}` step"
    assert "requirements.txt" not in copied, "the image must install the lock, not re-resolve requirements.txt"


def test_make_and_the_image_install_the_same_pins() -> None:
    runtime = pinned_versions(ROOT / "requirements.lock")
    dev = pinned_versions(ROOT / "requirements-dev.lock")
    assert {name: (version, dev.get(name)) for name, version in runtime.items() if dev.get(name) != version} == {}
    assert "requirements.lock" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_build_context_keeps_what_the_dockerfile_copies_and_drops_secrets(
    dockerfile: list[tuple[str, str]],
) -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ".env" in patterns
    for keyword, arguments in dockerfile:
        if keyword != "COPY":
            continue
        sources = [p for p in shlex.split(arguments) if not p.startswith("--")][:-1]
        for source in sources:
            source = source.rstrip("/")
            assert (ROOT / source).exists(), f"COPY source {source} is missing"
            excluded = [p for p in patterns if fnmatch.fnmatch(source, p.lstrip("/"))]
            assert excluded == [], f".dockerignore drops {source}"
