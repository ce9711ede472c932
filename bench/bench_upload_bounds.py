"""Benchmark: every hostile transcript upload from issue 12 item 6 is refused in ≤ 5 s with ≤ 300 MB peak.

Each case runs in a fresh child process (so one case's memory cannot hide another's) and reports the time
`transcripts.parse` took, the tracemalloc peak of Python allocations during the parse, and the child's
peak RSS (whole process: interpreter, imports, the upload's own bytes and lxml's C allocations, which
tracemalloc cannot see). Prints a table and writes bench/results/upload_bounds.json.

    /work/main/.venv/bin/python bench/bench_upload_bounds.py
"""
from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIME_LIMIT_S, MEMORY_LIMIT_MB = 5.0, 300.0


def _docx_with_body(paragraphs_xml: bytes) -> bytes:
    """A real python-docx package whose document.xml body is replaced by the given paragraphs."""
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                head, _, tail = data.partition(b"<w:body>")
                data = head + b"<w:body>" + paragraphs_xml + b"</w:body></w:document>"
            target.writestr(item.filename, data)
    return out.getvalue()


def case_data(name: str) -> tuple[str, bytes]:
    if name == "zip_bomb_docx":  # ~1.4 MB package, millions of paragraphs when unpacked
        return "bomb.docx", _docx_with_body(b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 4_600_000)
    if name == "tag_bomb_docx":  # under the unzipped-size limit, far over the element limit
        return "tags.docx", _docx_with_body(b"<w:p/>" * 12_000_000)
    if name == "long_docx":  # a real-looking document, 19,000 paragraphs (under the limit): parsed whole
        para = b"<w:p><w:r><w:t>Jean: " + b"the buses never come on time round here " * 5 + b"</w:t></w:r></w:p>"
        return "long.docx", _docx_with_body(para * 19_000)
    if name == "many_paragraphs_docx":  # 100,000 short paragraphs: refused from the package scan
        return "paras.docx", _docx_with_body(b"<w:p><w:r><w:t>A: aye</w:t></w:r></w:p>" * 100_000)
    if name == "txt_45mb":
        return "big.txt", b"A: aye\n" * (45 * 1024 * 1024 // 7)
    if name == "txt_many_lines":  # just under the size limit, 700k lines
        return "lines.txt", b"A: x\n" * 700_000
    if name == "txt_max_shape":  # under the size and line limits: parsed whole, refused for its words
        line = b"Jean: the buses never come and the rent keeps going up every single year so it does " * 3 + b"\n"
        return "shape.txt", line * 19_000
    if name == "vtt_million_cues":
        return "cues.vtt", b"WEBVTT\n\n" + b"00:00:01.000 --> 00:00:02.000\nhi\n\n" * 1_000_000
    if name == "vtt_many_cues":  # under the size limit, over the cue limit
        return "cues.vtt", b"WEBVTT\n\n" + b"00:00:01.000 --> 00:00:02.000\nhi\n\n" * 140_000
    if name == "txt_largest_accepted":  # just under every limit: parsed and accepted (its cost, for the record)
        line = b"Jean: the buses never come and the rent keeps going up so it does\n"
        return "largest.txt", b"Interviewer: Hello.\n" + line * 19_500
    if name == "line_3_5mb":
        return "line.txt", b"Jean: " + b"word " * 700_000 + b"\nSam: ok\n"
    raise KeyError(name)


CASES = ["zip_bomb_docx", "tag_bomb_docx", "many_paragraphs_docx", "long_docx", "txt_45mb", "txt_many_lines",
         "txt_max_shape", "vtt_million_cues", "vtt_many_cues", "line_3_5mb", "txt_largest_accepted"]
EXPECT_ACCEPTED = {"txt_largest_accepted"}


def _peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM (ru_maxrss would carry the parent's peak across fork+exec on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(name: str, path: str) -> dict:
    from triangulate.core.errors import ImportFailed
    from triangulate.residents import transcripts

    filename = json.loads(Path(path).with_suffix(".json").read_text())["filename"]
    data = Path(path).read_bytes()  # the upload as the server holds it; building it happened in the parent
    tracemalloc.start()
    started = time.perf_counter()
    try:
        transcripts.parse(filename, data)
        outcome = "ACCEPTED"
    except ImportFailed as exc:
        outcome = str(exc.problems[0].message)[:90]
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = _peak_rss_mb()
    return {"case": name, "upload_mb": round(len(data) / 1e6, 2), "seconds": round(seconds, 3),
            "tracemalloc_peak_mb": round(peak / 1e6, 1), "peak_rss_mb": round(rss_mb, 1), "outcome": outcome}


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2], sys.argv[3])))
        return 0
    results = []
    tmp = Path(tempfile.mkdtemp(prefix="bench_bounds_"))
    for name in CASES:
        filename, data = case_data(name)
        path = tmp / f"{name}.bin"
        path.write_bytes(data)
        path.with_suffix(".json").write_text(json.dumps({"filename": filename}))
        del data
        proc = subprocess.run([sys.executable, __file__, "--case", name, str(path)], capture_output=True,
                              text=True, timeout=600)
        path.unlink()
        if proc.returncode != 0:
            results.append({"case": name, "error": proc.stderr.strip().splitlines()[-1:]})
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    ok = True
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (times scale with it)")
    print(f"{'case':22} {'MB':>7} {'s':>7} {'py MB':>7} {'RSS MB':>7}  outcome")
    for r in results:
        if "error" in r:
            ok = False
            print(f"{r['case']:22} ERROR {r['error']}")
            continue
        if r["case"] in EXPECT_ACCEPTED:  # not a refusal: its parse cost is reported for the record
            good = r["outcome"] == "ACCEPTED" and r["peak_rss_mb"] <= MEMORY_LIMIT_MB
        else:
            good = r["outcome"] != "ACCEPTED" and r["seconds"] <= TIME_LIMIT_S and r["peak_rss_mb"] <= MEMORY_LIMIT_MB
        ok &= good
        print(f"{r['case']:22} {r['upload_mb']:7.2f} {r['seconds']:7.2f} {r['tracemalloc_peak_mb']:7.1f} "
              f"{r['peak_rss_mb']:7.1f}  {'ok ' if good else 'MISS'} {r['outcome']}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    limits = {"seconds": TIME_LIMIT_S, "peak_rss_mb": MEMORY_LIMIT_MB}
    (out / "upload_bounds.json").write_text(json.dumps({"load_average": os.getloadavg()[0], "limits": limits,
                                                        "results": results}, indent=2))
    print("all refused within limits" if ok else "SOME CASES MISSED THE LIMITS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
