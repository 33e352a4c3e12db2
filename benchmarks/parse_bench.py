"""Parse throughput (reports per second on one core) and peak memory, on the seeds and on generated
reports in every text layout. Usage: python -m benchmarks parse_bench"""

from __future__ import annotations

import random
import resource
import time
import tracemalloc
from pathlib import Path

from gongkai.pipeline import parse_bytes
from gongkai.synth import LAYOUTS, random_report, render

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seeds"


def _rate(documents: list[tuple[str, bytes]], rounds: int) -> float:
    start = time.process_time()  # CPU time of this process: reports per second per core
    for _ in range(rounds):
        for name, data in documents:
            parse_bytes(data, name)
    return rounds * len(documents) / (time.process_time() - start)


def main() -> None:
    seeds = [(p.name, p.read_bytes()) for p in sorted(SEEDS.glob("*.txt"))]
    rng = random.Random(2024)
    generated = []
    for i in range(200):
        synth = random_report(rng, ("f2021", "f2019")[i % 2], drop_labels=i % 3)
        generated.append(
            (f"gen{i}.txt", render(synth, LAYOUTS[i % 4], rng, split_labels=bool(i % 2)).encode())
        )
    print(f"seeds:     {_rate(seeds, 40):8.1f} reports/s per core  ({len(seeds)} reports x 40)")
    print(
        f"generated: {_rate(generated, 2):8.1f} reports/s per core  ({len(generated)} reports x 2, 4 layouts)"
    )
    tracemalloc.start()
    for name, data in generated:
        parse_bytes(data, name)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak traced memory while parsing {len(generated)} reports: {peak / 2**20:.1f} MiB; "
        f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
