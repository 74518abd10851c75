"""Crawls on Scrapyd: the spiders packaged as an egg, runs scheduled through Scrapyd's HTTP API.

With ``scrapyd_url`` set, the scheduler does not start a crawl as a child process of its own
(``tracker.crawl``) but asks Scrapyd to run the spider (``schedule.json``), waits for the job to
finish (``status.json``) and judges the run the spider recorded, which names its job. The run goes
through the same spiders, pipeline and intake as a local one: Scrapyd's runner imports the
tracker from the egg and stores into the database named by the ``TRACKER_*`` settings in
Scrapyd's own environment (the team's PostgreSQL), so Scrapyd needs the tracker's dependencies
installed and those settings set (docs/deploy.md).

The egg (``tracker scrapyd deploy``) holds the ``spiders`` and ``tracker`` packages and the entry
point Scrapyd reads to find the Scrapy settings, as ``scrapyd-deploy`` would build it.
"""

import threading
import time
import zipfile
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path

import requests
from sqlalchemy import Engine, select
from sqlmodel import Session, col

import tracker
from tracker import __version__
from tracker.config import mask_url_password, templates_dir
from tracker.db import write_session
from tracker.errors import TrackerError
from tracker.models.runs import SourceRun
from tracker.runs import FAILED, INTERRUPTED, RUNNING

PROJECT = "ai_copyright_tracker"  # as scrapy.cfg's [deploy] names it
SETTINGS_MODULE = "spiders.settings"
POLL = 1.0  # seconds between asking Scrapyd how a job is doing
TIMEOUT = 30  # seconds for one HTTP request to Scrapyd


class ScrapydError(TrackerError):
    """Scrapyd cannot be reached, or refused what was asked."""

    exit_code = 1


def _call(url: str, endpoint: str, method: str = "GET", **kwargs) -> dict:
    where = f"Scrapyd at {mask_url_password(url)}"
    try:
        response = requests.request(method, f"{url.rstrip('/')}/{endpoint}", timeout=TIMEOUT, **kwargs)
        answer = response.json()
    except requests.RequestException as exc:
        raise ScrapydError(f"cannot reach {where}: {exc.__class__.__name__}") from None
    except ValueError:
        raise ScrapydError(f"{where} answered {endpoint} with HTTP {response.status_code}, not JSON") \
            from None
    if answer.get("status") != "ok":
        raise ScrapydError(f"{where} refused {endpoint}: {answer.get('message', answer)}")
    return answer


def _files(folder: Path, inside: str):
    """(path in the egg, file) for each file under ``folder``, caches left out."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield f"{inside}/{path.relative_to(folder).as_posix()}", path


def build_egg(folder: Path) -> Path:
    """Write the egg Scrapyd runs into ``folder``: the spiders, the tracker, its templates."""
    egg = folder / f"{PROJECT}-{__version__}-py3.egg"
    metadata = {
        "EGG-INFO/PKG-INFO": f"Metadata-Version: 2.1\nName: {PROJECT}\nVersion: {__version__}\n",
        "EGG-INFO/entry_points.txt": f"[scrapy]\nsettings = {SETTINGS_MODULE}\n",
        "EGG-INFO/top_level.txt": "spiders\ntracker\n",
        "EGG-INFO/zip-safe": "\n",
    }
    with zipfile.ZipFile(egg, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in metadata.items():
            archive.writestr(name, text)
        tracker_folder = Path(tracker.__file__).parent
        spiders_folder = Path(find_spec("spiders").origin).parent  # not imported: it is a layer above
        for folder, inside in ((spiders_folder, "spiders"), (tracker_folder, "tracker"),
                               (templates_dir(), "tracker/templates")):
            for name, path in _files(folder, inside):
                if name not in archive.namelist():  # an installed tracker has its templates already
                    archive.write(path, name)
    return egg


def deploy(url: str, egg: Path) -> tuple[str, int]:
    """Upload the egg as a new version of the project; the version and how many spiders it has."""
    version = str(int(time.time()))
    with egg.open("rb") as handle:
        answer = _call(url, "addversion.json", "POST", data={"project": PROJECT, "version": version},
                       files={"egg": (egg.name, handle)})
    return version, int(answer.get("spiders", 0))


def schedule(url: str, spider: str, *, full: bool = False) -> str:
    """Ask Scrapyd to run the spider; its job id."""
    data = {"project": PROJECT, "spider": spider} | ({"full": "1"} if full else {})
    return _call(url, "schedule.json", "POST", data=data)["jobid"]


def job_state(url: str, job: str) -> str:
    """``pending``, ``running``, ``finished``, or ``""`` for a job Scrapyd does not know."""
    return _call(url, "status.json", params={"job": job, "project": PROJECT}).get("currstate") or ""


def cancel(url: str, job: str) -> None:
    _call(url, "cancel.json", "POST", data={"project": PROJECT, "job": job})


def crawl_on_scrapyd(engine: Engine, url: str, name: str, *, full: bool = False, timeout: float = 3600,
                     stop: threading.Event | None = None) -> SourceRun:
    """Run one source's spider on Scrapyd and return the run it recorded (or one recorded here,
    failed, when the job ended without recording one or was stopped).

    :param timeout: seconds before the job is cancelled and the run failed
    :param stop: when set (the scheduler is shutting down), the job is cancelled likewise
    :raises ScrapydError: when Scrapyd cannot be reached to schedule the run
    """
    started = datetime.now(UTC)
    job = schedule(url, name, full=full)
    stop = stop or threading.Event()
    deadline = time.monotonic() + timeout
    stopped, state = None, FAILED
    while job_state(url, job) not in ("finished", ""):
        if stop.is_set():  # as a local crawl stopped by Ctrl-C or a shutdown: interrupted
            stopped, state = "stopped: the scheduler is shutting down", INTERRUPTED
        elif time.monotonic() >= deadline:
            stopped = f"stopped after {timeout:.0f} s"
        if stopped:
            cancel(url, job)
            break
        stop.wait(POLL)
    return _judge(engine, name, job, started, stopped, state)


def _judge(engine: Engine, name: str, job: str, started: datetime, stopped: str | None,
           state: str) -> SourceRun:
    """The run the job recorded; or, when it was stopped or recorded none, one recorded here:
    ``state`` when stopped, else failed."""
    with Session(engine) as session:
        run = session.exec(select(SourceRun).where(SourceRun.scrapyd_job == job)
                           .order_by(col(SourceRun.id).desc()).limit(1)).scalars().first()
    if run is not None and run.state != RUNNING and not stopped:
        return run
    reason = stopped or f"the Scrapyd job {job} ended before recording its run (see its log in Scrapyd)"
    with write_session(engine) as session:
        if run is None:
            run = SourceRun(source=name, started_at=started, scrapyd_job=job)
            session.add(run)
        else:  # the job's own record, still running: closed here
            run = session.get(SourceRun, run.id)
        run.finished_at, run.last_error = datetime.now(UTC), reason
        run.state = state if stopped else FAILED
        run.finish_reason = INTERRUPTED if run.state == INTERRUPTED else "stopped" if stopped else "crashed"
        session.flush()
        session.expunge(run)
    return run
