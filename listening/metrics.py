"""Prometheus metrics (/metrics): requests and database queries counted as they happen, the
rest read from the database and the broker at scrape time.

Request and query figures are counted in each process. Under gunicorn with several workers,
set PROMETHEUS_MULTIPROC_DIR (compose does): each worker then writes its figures to a file
there and a scrape sums them all (prometheus-client's multiprocess mode; gunicorn.conf.py
empties the folder when gunicorn starts). The outbox, packs, queue and heartbeat figures are
computed from the database and the broker on each scrape, so every worker answers the same.
"""

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from briefs.enums import PackStatus
from briefs.models import BriefPack
from core.broker import short_connection
from core.enums import HeartbeatKind, OutboxStatus
from core.models import Heartbeat, OutboxMessage

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Bounds of the pack build time histogram, in seconds.
PACK_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1200)

REQUESTS = Counter(
    "listening_http_requests",
    "HTTP requests answered, by method and status class.",
    ["method", "status"],
)
REQUEST_SECONDS = Histogram(
    "listening_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUERIES = Counter("listening_db_queries", "Database queries run while answering requests.")
QUERY_SECONDS = Histogram(
    "listening_db_query_duration_seconds",
    "Time of one database query run while answering a request.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _count_query(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        QUERIES.inc()
        QUERY_SECONDS.observe(time.perf_counter() - started)


class MetricsMiddleware:
    """Count each request (method, status class, time) and the database queries it ran."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        with connection.execute_wrapper(_count_query):
            response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(method=method, status=f"{response.status_code // 100}xx").inc()
        REQUEST_SECONDS.labels(method=method).observe(time.perf_counter() - started)
        return response


class PlatformCollector:
    """Figures read at scrape time: database, outbox, packs, broker queue, heartbeats."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        up = GaugeMetricFamily("listening_database_up", "1 when the database answers.")
        ping = GaugeMetricFamily(
            "listening_database_ping_seconds", "Time of a trivial query to the database."
        )
        started = time.perf_counter()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        ping.add_metric([], time.perf_counter() - started)
        up.add_metric([], 1)
        yield up
        yield ping
        yield from self.outbox(now)
        yield from self.packs()
        yield from self.queue()
        yield from self.heartbeats(now)

    def outbox(self, now) -> Iterator[Metric]:
        counts = dict(
            OutboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by()
        )
        messages = GaugeMetricFamily(
            "listening_outbox_messages", "Outbox messages by status.", labels=["status"]
        )
        for status in OutboxStatus.values:
            messages.add_metric([status], counts.get(status, 0))
        yield messages
        oldest = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(
            oldest=Min("created_at")
        )["oldest"]
        age = GaugeMetricFamily(
            "listening_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox message (0 when none is pending).",
        )
        age.add_metric([], (now - oldest).total_seconds() if oldest else 0)
        yield age

    def packs(self) -> Iterator[Metric]:
        counts = dict(BriefPack.objects.values_list("status").annotate(n=Count("id")).order_by())
        packs = GaugeMetricFamily("listening_packs", "Input packs by status.", labels=["status"])
        for status in PackStatus.values:
            packs.add_metric([status], counts.get(status, 0))
        yield packs
        built = BriefPack.objects.filter(status=PackStatus.DONE, render_seconds__isnull=False)
        figures = built.aggregate(
            total=Count("id"),
            seconds=Sum("render_seconds"),
            **{f"le_{b}": Count("id", filter=Q(render_seconds__lte=b)) for b in PACK_BUCKETS},
        )
        histogram = HistogramMetricFamily(
            "listening_pack_build_duration_seconds",
            "Time to build the input packs that are ready.",
        )
        buckets = [(str(float(b)), figures[f"le_{b}"]) for b in PACK_BUCKETS]
        buckets.append(("+Inf", figures["total"]))
        histogram.add_metric([], buckets, figures["seconds"] or 0)
        yield histogram

    def queue(self) -> Iterator[Metric]:
        """Tasks waiting in the broker's default queue (Redis only; skipped if unreachable)."""
        if not settings.REDIS_URL:
            return
        try:
            with short_connection() as conn:
                waiting = conn.default_channel.client.llen("celery")
        except Exception:
            return
        gauge = GaugeMetricFamily(
            "listening_broker_queue_length", "Tasks waiting in the broker's queue."
        )
        gauge.add_metric([], waiting)
        yield gauge

    def heartbeats(self, now) -> Iterator[Metric]:
        last = dict(Heartbeat.objects.values_list("kind").annotate(last=Max("beat_at")).order_by())
        gauge = GaugeMetricFamily(
            "listening_heartbeat_age_seconds",
            "Seconds since a background process of each kind last beat (-1: never).",
            labels=["kind"],
        )
        for kind in HeartbeatKind.values:
            gauge.add_metric([kind], (now - last[kind]).total_seconds() if kind in last else -1)
        yield gauge


def is_allowed(request: HttpRequest) -> bool:
    """Whether the request bears METRICS_TOKEN or comes from METRICS_ALLOWED_IPS."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").encode()
    if token and header.startswith("Bearer ") and hmac.compare_digest(given, token.encode()):
        return True
    if settings.METRICS_ALLOWED_IPS:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        for allowed in settings.METRICS_ALLOWED_IPS:
            try:
                if address in ipaddress.ip_network(allowed, strict=False):
                    return True
            except ValueError:
                continue
    return False


def render_metrics() -> bytes:
    """Every figure in Prometheus' text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    scraped = CollectorRegistry()
    scraped.register(PlatformCollector())
    return generate_latest(counted) + generate_latest(scraped)
