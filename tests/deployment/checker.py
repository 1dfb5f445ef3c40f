"""Reads the Dockerfile and docker-compose.yml side by side and lists what would break in a
real deployment: no container engine runs here, so this is the only place that notices.

`problems(dockerfile=…, compose=…)` returns one sentence per problem (empty when the pair is
sound). It checks that
- every folder the app writes to (each volume an app service mounts, the private storage,
  the backups, beat's schedule, `/app/var`) exists in the image owned by the user the image
  runs as, since Docker creates a missing mount point owned by root, and that each such folder
  except `/app/var` has a volume mounted on it, or its data dies with the container;
- the environment variables compose sets are ones the settings read, and the settings'
  required ones are set;
- each health check's URL resolves in the URL conf, and each `manage.py` command exists;
- migrations run once: a one-shot `migrate` service that every other app service waits for
  (`service_completed_successfully`), and nothing else runs `migrate`;
- the PostgreSQL client in the image has the major version of compose's database, so
  `pg_dump` accepts it.
"""

import ast
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.management import get_commands
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent.parent
SETTINGS_DIR = ROOT / "listening" / "settings"
# Read by Django, Celery or the image itself rather than by our settings.
PROCESS_VARIABLES = {"DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"}
WRITABLE_VARIABLES = ("PRIVATE_STORAGE_ROOT", "BACKUP_DIR", "PROMETHEUS_MULTIPROC_DIR")


@dataclass
class Image:
    """What the Dockerfile leaves behind: who owns each folder it made, whom it runs as."""

    user: str = "root"
    workdir: str = "/"
    owners: dict[str, str] = field(default_factory=dict)
    cmd: str = ""
    packages: list[str] = field(default_factory=list)

    def owner(self, path: str) -> str | None:
        """The owner of `path` if the image has it (made by mkdir, WORKDIR or useradd)."""
        return self.owners.get(posixpath.normpath(path))


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in dockerfile.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        joined.append(current + stripped)
        current = ""
    result = []
    for line in joined:
        name, _space, args = line.partition(" ")
        result.append((name.upper(), args.strip()))
    return result


def read_image(dockerfile: str) -> Image:
    """Follow the Dockerfile's WORKDIR, USER and RUN (mkdir, chown, install -d, apt-get
    install) to learn who owns which folder."""
    image = Image(owners={"/tmp": "*"})  # world-writable in every base image
    for name, args in instructions(dockerfile):
        if name == "WORKDIR":
            image.workdir = posixpath.join(image.workdir, args)
            image.owners.setdefault(posixpath.normpath(image.workdir), image.user)
        elif name == "USER":
            image.user = args.split(":")[0]
        elif name == "CMD":
            image.cmd = args
        elif name == "RUN":
            for command in re.split(r"&&|\|\||;", args):
                _run(image, shlex.split(command))
    return image


def _run(image: Image, words: list[str]) -> None:
    if not words:
        return
    program, options = words[0], [w for w in words[1:] if w.startswith("-")]
    operands = [w for w in words[1:] if not w.startswith("-")]
    paths = [posixpath.normpath(posixpath.join(image.workdir, p)) for p in operands]
    if program == "mkdir":
        for path in paths:
            _make(image, path, image.user)
    elif program == "install" and "-d" in options:
        owner = image.user
        if "-o" in words:
            owner = words[words.index("-o") + 1]
            paths = [p for p in paths if not p.endswith("/" + owner)]
        for path in paths:
            _make(image, path, owner)
    elif program == "chown" and operands:
        owner = operands[0].split(":")[0]
        recursive = "-R" in options or "--recursive" in options
        for target in paths[1:]:
            for path in list(image.owners):
                if path == target or (recursive and path.startswith(target.rstrip("/") + "/")):
                    image.owners[path] = owner
    elif program == "useradd":
        if "--home-dir" in words or "-d" in words:
            flag = "--home-dir" if "--home-dir" in words else "-d"
            image.owners.setdefault(posixpath.normpath(words[words.index(flag) + 1]), "root")
    elif program == "apt-get" and "install" in operands:
        image.packages += [p for p in operands if p != "install"]


def _make(image: Image, path: str, owner: str) -> None:
    """mkdir -p: the folder and any missing parent, owned by `owner`."""
    parts = path.strip("/").split("/")
    for depth in range(1, len(parts) + 1):
        image.owners.setdefault("/" + "/".join(parts[:depth]), owner)


def settings_variables() -> tuple[set[str], set[str]]:
    """(every variable the settings read, those the production settings require)."""
    read, required = set(), set()
    for path in sorted(SETTINGS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            is_env = (isinstance(func, ast.Name) and func.id == "env") or (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "env"
            )
            first = node.args[0]
            if (
                not is_env
                or not isinstance(first, ast.Constant)
                or not isinstance(first.value, str)
            ):
                continue
            read.add(first.value)
            if path.name in ("base.py", "production.py") and not any(
                keyword.arg == "default" for keyword in node.keywords
            ):
                required.add(first.value)
    return read, required


def _words(command) -> list[str]:
    if command is None:
        return []
    if isinstance(command, list):
        return [str(word) for word in command]
    return shlex.split(str(command))


def _manage_commands(words: list[str]) -> list[str]:
    # `sh -c "python manage.py migrate && …"`: the shell's script holds the commands.
    words = [part for word in words for part in (shlex.split(word) if " " in word else [word])]
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word.endswith("manage.py")]


def _mounts(service: dict) -> dict[str, str]:
    """target folder -> volume or host path, for each of the service's volumes."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            mounts[posixpath.normpath(volume["target"])] = str(volume.get("source", ""))
        else:
            source, _colon, rest = str(volume).partition(":")
            mounts[posixpath.normpath(rest.split(":")[0])] = source
    return mounts


def _mounted(path: str, mounts: dict[str, str]) -> bool:
    return any(path == target or path.startswith(target + "/") for target in mounts)


def problems(*, dockerfile: str, compose: str) -> list[str]:
    """Every problem found in this Dockerfile and compose file, as sentences."""
    image = read_image(dockerfile)
    config = yaml.safe_load(compose)
    services = config.get("services") or {}
    app = {name: s for name, s in services.items() if "build" in s}
    found: list[str] = []
    per_service: dict[str, list[str]] = {}

    def report(service: str, text: str) -> None:
        per_service.setdefault(text, []).append(service)

    user = image.user
    if user == "root":
        found.append("The image runs as root: add a USER for the app.")

    # Folders the app writes to.
    for name, service in app.items():
        mounts = _mounts(service)
        environment = service.get("environment") or {}
        writes = dict.fromkeys(mounts, "a volume")
        for variable in WRITABLE_VARIABLES:
            if environment.get(variable):
                writes[posixpath.normpath(environment[variable])] = variable
        words = _words(service.get("command"))
        for word in words:
            if word.startswith("--schedule="):
                schedule = word.split("=", 1)[1]
                writes[posixpath.dirname(posixpath.normpath(schedule))] = "beat's schedule"
        var = posixpath.join(image.workdir, "var")
        writes[var] = "var/"
        for path, why in sorted(writes.items()):
            scratch = path.startswith(var + "/")
            # A folder under var/ may be made at run time (var/ is the app's); it lives and
            # dies with the container, so it needs no volume.
            owner = image.owner(var if scratch and image.owner(path) is None else path)
            if owner is None:
                report(
                    name,
                    f"{path} ({why}) does not exist in the image; Docker would create "
                    f"it owned by root, and the app runs as {user}.",
                )
            elif owner not in (user, "*"):
                report(name, f"{path} ({why}) is owned by {owner} in the image, not {user}.")
            if why != "var/" and not scratch and not _mounted(path, mounts):
                report(name, f"{path} ({why}) has no volume mounted on it.")

    # Environment variables.
    read, required = settings_variables()
    for name, service in app.items():
        environment = service.get("environment") or {}
        for variable in sorted(set(environment) - read - PROCESS_VARIABLES):
            report(name, f"the settings never read {variable}.")
        for variable in sorted(required - set(environment)):
            report(name, f"{variable} is required by the settings but not set.")

    # Health checks and management commands.
    commands = get_commands()
    for name, service in services.items():
        test = _words((service.get("healthcheck") or {}).get("test"))
        for word in test:
            for url in re.findall(r"https?://[^/\s]+(/\S*)", word):
                try:
                    resolve(url.split("?")[0])
                except Resolver404:
                    report(name, f"the health check asks for {url}, which no URL serves.")
        if name in app:
            for command in _manage_commands(_words(service.get("command")) + test):
                if command not in commands:
                    report(name, f"manage.py has no command {command!r}.")

    found += [f"{', '.join(names)}: {text}" for text, names in per_service.items()]

    # Migrations run once.
    migrating = [
        n for n, s in app.items() if "migrate" in _manage_commands(_words(s.get("command")))
    ]
    if "migrate" in shlex.split(image.cmd.replace("[", " ").replace("]", " ").replace(",", " ")):
        found.append("The image's CMD runs migrate.")
    if migrating != ["migrate"]:
        found.append(
            "Migrations must run in one one-shot `migrate` service only; they run in: "
            + (", ".join(migrating) or "no service")
            + "."
        )
    else:
        if str(app["migrate"].get("restart", "no")) not in ("no", "on-failure"):
            found.append('migrate: a one-shot service must not be restarted (restart: "no").')
        for name, service in app.items():
            if name == "migrate":
                continue
            condition = ((service.get("depends_on") or {}).get("migrate") or {}).get("condition")
            if condition != "service_completed_successfully":
                found.append(f"{name}: does not wait for migrate to complete successfully.")

    # pg_dump refuses a server of a newer major version.
    db = services.get("db") or {}
    server = re.search(r"postgres:(\d+)", str(db.get("image", "")))
    clients = [re.fullmatch(r"postgresql-client-(\d+)", p) for p in image.packages]
    client = next((m.group(1) for m in clients if m), None)
    if server and client != server.group(1):
        found.append(
            f"The image's PostgreSQL client ({client or 'none'}) is not the database's major "
            f"version ({server.group(1)}): backup_data's pg_dump would refuse it."
        )
    return found
