"""detect-query-regressions: flags the fingerprints whose p95 or rows examined regressed between two
analyze-slow-queries summaries. Thin handler: parse, then the pandas work in regressions.py."""

from regressions import detect, parse_request

from stask_runtime import task_handler


@task_handler(parse_payload=parse_request)
def handler(request, ctx):
    baseline, current, thresholds = request
    ctx.progress(10, f"comparing {len(baseline)} baseline and {len(current)} current fingerprints")
    result = detect(baseline, current, thresholds)
    ctx.logger.info("regressions detected", extra={"regressions": len(result["regressions"]), "compared": result["compared"]})
    return result
