"""Make ``tracker/pictures/us_states.json``, the state shapes ``/map`` draws, from us-atlas.

The shapes are the U.S. Census Bureau's cartographic boundary files (2017 edition, 1:10,000,000),
a work of the U.S. Government and so in the public domain, as the us-atlas package (version
3.0.1, ISC licence, Copyright 2013-2019 Michael Bostock) redistributes them: projected with
d3.geoAlbersUsa onto a 975 x 610 box, Alaska and Hawaii as insets, and simplified. This script
decodes its TopoJSON (``states-albers-10m.json``), simplifies each ring further
(Douglas-Peucker, ``TOLERANCE`` pixels) and writes one SVG path per state, keyed by postal code.

    npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    python tools/state_shapes.py package/states-albers-10m.json > tracker/pictures/us_states.json

Run by hand, once; nothing at run time or in the tests reaches the network.
"""

import json
import sys

TOLERANCE = 0.6
POSTAL = {
    "01": "al", "02": "ak", "04": "az", "05": "ar", "06": "ca", "08": "co", "09": "ct", "10": "de",
    "11": "dc", "12": "fl", "13": "ga", "15": "hi", "16": "id", "17": "il", "18": "in", "19": "ia",
    "20": "ks", "21": "ky", "22": "la", "23": "me", "24": "md", "25": "ma", "26": "mi", "27": "mn",
    "28": "ms", "29": "mo", "30": "mt", "31": "ne", "32": "nv", "33": "nh", "34": "nj", "35": "nm",
    "36": "ny", "37": "nc", "38": "nd", "39": "oh", "40": "ok", "41": "or", "42": "pa", "44": "ri",
    "45": "sc", "46": "sd", "47": "tn", "48": "tx", "49": "ut", "50": "vt", "51": "va", "53": "wa",
    "54": "wv", "55": "wi", "56": "wy",
}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs, indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def simplify(points, tolerance: float):
    """Douglas-Peucker, keeping the ends."""
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    far, far_at = -1.0, 0
    for i, (x, y) in enumerate(points[1:-1], 1):
        d = (abs((y2 - y1) * x - (x2 - x1) * y + x2 * y1 - y2 * x1) / length if length
             else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5)
        if d > far:
            far, far_at = d, i
    if far <= tolerance:
        return [points[0], points[-1]]
    return simplify(points[:far_at + 1], tolerance)[:-1] + simplify(points[far_at:], tolerance)


def path(rings) -> str:
    """Relative SVG path data with one decimal: small, and exact enough at 975 pixels wide."""
    parts = []
    for points in rings:
        # Split a closed ring at its farthest point so Douglas-Peucker keeps its shape.
        start = points[0]
        far = max(range(len(points)), key=lambda i: (points[i][0] - start[0]) ** 2
                  + (points[i][1] - start[1]) ** 2)
        kept = simplify(points[:far + 1], TOLERANCE)[:-1] + simplify(points[far:], TOLERANCE)
        if len(kept) < 4:
            continue
        cells = [(round(x * 10), round(y * 10)) for x, y in kept]
        text = f"M{cells[0][0] / 10:g} {cells[0][1] / 10:g}"
        previous = cells[0]
        for cell in cells[1:-1]:
            dx, dy = cell[0] - previous[0], cell[1] - previous[1]
            if dx or dy:
                text += f"l{dx / 10:g} {dy / 10:g}"
            previous = cell
        parts.append(text.replace(" -", "-") + "z")
    return "".join(parts)


def main(source: str) -> None:
    with open(source, encoding="utf-8") as file:
        topology = json.load(file)
    arcs = decode_arcs(topology)
    states = {}
    for geometry in topology["objects"]["states"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [ring(arcs, r) for polygon in polygons for r in polygon]
        states[POSTAL[geometry["id"]]] = {"name": geometry["properties"]["name"], "d": path(rings)}
    json.dump({"source": __doc__.split("\n\n")[1].replace("\n", " "), "width": 975, "height": 610,
               "states": dict(sorted(states.items()))}, sys.stdout, indent=0, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
