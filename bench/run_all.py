"""Run every benchmark in bench/ (each prints its own table and writes bench/results/<name>.json)."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

failed = []
for script in sorted(HERE.glob("bench_*.py")):
    print(f"\n=== {script.name}", flush=True)
    if subprocess.call([sys.executable, str(script)], cwd=HERE.parent) != 0:
        failed.append(script.name)
print("\nfailed: " + ", ".join(failed) if failed else "\nall benchmarks ran")
sys.exit(1 if failed else 0)
