#!/usr/bin/env python3
"""What an analyst would use instead of truce's correlation: scikit-learn's
DBSCAN on scaled (lat, lon, time). Reads the CSV `truce bench correlate`
writes (latitude, longitude, hours, truth), clusters it, and prints one JSON
object: pairwise precision, recall and F1 against the truth, and seconds.

Scaling: one unit is 15 km of distance (latitude and longitude in km) or
24 hours; eps = 1 unit, min_samples = 1 (every report in some cluster), the
same thresholds as truce's rule before precision widening.
Install: pip install scikit-learn
"""
import csv
import json
import math
import sys
import time
from collections import Counter

import numpy as np
from sklearn.cluster import DBSCAN


def pairs(counts):
    return sum(n * (n - 1) // 2 for n in counts)


def main(path):
    rows = list(csv.reader(open(path)))[1:]
    lat = np.array([float(r[0]) for r in rows])
    lon = np.array([float(r[1]) for r in rows])
    hours = np.array([float(r[2]) for r in rows])
    truth = [r[3] for r in rows]
    km_per_deg_lon = 111.0 * np.cos(np.radians(lat))
    features = np.column_stack((lat * 111.0 / 15.0, lon * km_per_deg_lon / 15.0, hours / 24.0))
    start = time.perf_counter()
    labels = DBSCAN(eps=1.0, min_samples=1, algorithm="kd_tree").fit_predict(features)
    seconds = time.perf_counter() - start
    together = pairs(Counter(zip(truth, labels)).values())
    predicted = pairs(Counter(labels).values())
    actual = pairs(Counter(truth).values())
    precision = together / predicted if predicted else 1.0
    recall = together / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(json.dumps({"precision": precision, "recall": recall, "f1": f1, "seconds": seconds, "reports": len(rows)}))


if __name__ == "__main__":
    main(sys.argv[1])
