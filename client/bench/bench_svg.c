/* bench_svg.c: the --plot chart of a `load` run, written directly as SVG: on top, latency by
 * percentile (x: 0 .. 99.99% on the usual 1/(1-p) log scale, y: latency on a log scale) for
 * all requests and each operation; below, completed requests per second over the run. */
#include "bench_report.h"

#include "zd_error.h"

#include <math.h>

enum { W = 820, H = 640, LEFT = 80, RIGHT = 140, TOP = 40, PANEL_H = 230, GAP = 80 };

static const char *const colors[] = {"#222222", "#1f77b4", "#ff7f0e", "#2ca02c",
                                     "#d62728", "#9467bd", "#8c564b"};

/* x position of percentile "nines" n (p = 100 * (1 - 10^-n)), n in 0..4 */
static double x_of_nines(double n)
{
    return LEFT + n / 4.0 * (W - LEFT - RIGHT);
}

static void latency_panel(FILE *f, const zb_load_result *res)
{
    const double y0 = TOP, y1 = TOP + PANEL_H;
    uint64_t lo = res->all.min_ns ? res->all.min_ns : 1, hi = res->all.max_ns;
    double dlo = floor(log10((double)lo)), dhi = ceil(log10((double)(hi > lo ? hi : lo + 1)));
    if (dhi <= dlo) dhi = dlo + 1;
    fprintf(f, "<text x='%d' y='%d' font-size='15'>Latency by percentile</text>\n", LEFT, TOP - 12);
    fprintf(f, "<rect x='%d' y='%.0f' width='%d' height='%d' fill='none' stroke='#999'/>\n", LEFT,
            y0, W - LEFT - RIGHT, PANEL_H);
    static const char *const units[] = {"ns", "us", "ms", "s"};
    for (double d = dlo; d <= dhi; d++) {
        double y = y1 - (d - dlo) / (dhi - dlo) * PANEL_H;
        int u = (int)d / 3 > 3 ? 3 : (int)d / 3;
        fprintf(f, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/>\n", LEFT, W - RIGHT,
                y, y);
        fprintf(f, "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%g %s</text>\n",
                LEFT - 6, y + 4, pow(10, d - 3 * u), units[u]);
    }
    static const char *const xlabels[] = {"0%", "90%", "99%", "99.9%", "99.99%"};
    for (int n = 0; n <= 4; n++)
        fprintf(f, "<text x='%.1f' y='%.0f' font-size='11' text-anchor='middle'>%s</text>\n",
                x_of_nines(n), y1 + 16, xlabels[n]);
    fprintf(f, "<text x='%.0f' y='%.0f' font-size='12' text-anchor='middle'>percentile</text>\n",
            (double)(LEFT + W - RIGHT) / 2, y1 + 32);
    for (int series = -1; series < ZB_OP_COUNT; series++) {
        const zb_hist *h = series < 0 ? &res->all : &res->per_op[series];
        if (h->total == 0) continue;
        const char *color = colors[series + 1];
        fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='%s' points='", color,
                series < 0 ? "2.5" : "1.2");
        for (double n = 0; n <= 4.0001; n += 0.02) {
            double p = 100.0 * (1.0 - pow(10.0, -n));
            double v = (double)zb_hist_percentile(h, p);
            double y = y1 - (log10(v > 1 ? v : 1) - dlo) / (dhi - dlo) * PANEL_H;
            fprintf(f, "%.1f,%.1f ", x_of_nines(n), y < y0 ? y0 : y > y1 ? y1 : y);
        }
        fprintf(f, "'/>\n");
        int row = series + 1;
        fprintf(f, "<line x1='%d' x2='%d' y1='%d' y2='%d' stroke='%s' stroke-width='2.5'/>\n",
                W - RIGHT + 12, W - RIGHT + 30, TOP + 10 + 18 * row, TOP + 10 + 18 * row, color);
        fprintf(f, "<text x='%d' y='%d' font-size='12'>%s</text>\n", W - RIGHT + 36,
                TOP + 14 + 18 * row, series < 0 ? "all" : zb_op_name((zb_op)series));
    }
}

static void throughput_panel(FILE *f, const zb_load_result *res)
{
    const double y0 = TOP + PANEL_H + GAP, y1 = y0 + PANEL_H;
    uint32_t n = (uint32_t)(res->elapsed_s + 0.95); /* drop a last sliver under 50 ms */
    if (n > res->seconds) n = res->seconds;
    if (n == 0) n = 1;
    uint64_t peak = 1;
    for (uint32_t s = 0; s < n; s++)
        if (res->per_second[s] > peak) peak = res->per_second[s];
    /* round the y range up to a multiple of a fifth of the peak's power of ten */
    double step = pow(10, floor(log10((double)peak))) / 5;
    double top = ceil((double)peak / step) * step;
    fprintf(f,
            "<text x='%d' y='%.0f' font-size='15'>Throughput (requests completed per second)"
            "</text>\n",
            LEFT, y0 - 12);
    fprintf(f, "<rect x='%d' y='%.0f' width='%d' height='%d' fill='none' stroke='#999'/>\n", LEFT,
            y0, W - LEFT - RIGHT, PANEL_H);
    for (int t = 0; t <= 4; t++) {
        double y = y1 - t / 4.0 * PANEL_H;
        fprintf(f, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/>\n", LEFT, W - RIGHT,
                y, y);
        fprintf(f, "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%.0f</text>\n", LEFT - 6,
                y + 4, top * t / 4.0);
    }
    double bw = (double)(W - LEFT - RIGHT) / n;
    for (uint32_t s = 0; s < n; s++) {
        /* the last second may be partial: scale it to a rate */
        double frac = s + 1 > res->elapsed_s ? res->elapsed_s - s : 1.0;
        double rate = frac > 0.05 ? (double)res->per_second[s] / frac : 0;
        double h = rate / top * PANEL_H;
        if (h > PANEL_H) h = PANEL_H;
        fprintf(f, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='#1f77b4'/>\n",
                LEFT + s * bw + bw * 0.1, y1 - h, bw * 0.8, h);
    }
    uint32_t every = n <= 20 ? 1 : (n + 9) / 10; /* at most about ten labels */
    for (uint32_t s = 0; s < n; s += every)
        fprintf(f, "<text x='%.1f' y='%.0f' font-size='11' text-anchor='middle'>%u</text>\n",
                LEFT + (s + 0.5) * bw, y1 + 14, s + 1);
    fprintf(f,
            "<text x='%.0f' y='%.0f' font-size='12' text-anchor='middle'>second of the run"
            "</text>\n",
            (double)(LEFT + W - RIGHT) / 2, y1 + 30);
}

int zb_report_load_svg(const char *path, const zb_load_cfg *cfg, const zb_load_result *res)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "zarrd-bench: cannot write %s\n", path);
        return ZD_EIO;
    }
    fprintf(f,
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "font-family='sans-serif'>\n<rect width='100%%' height='100%%' fill='white'/>\n",
            W, H);
    latency_panel(f, res);
    throughput_panel(f, res);
    fprintf(f,
            "<text x='%d' y='%d' font-size='11' fill='#555'>%u connections, %s, %.1f s, "
            "%llu requests</text>\n</svg>\n",
            LEFT, H - 12, cfg->connections, cfg->rate > 0 ? "open loop" : "closed loop",
            res->elapsed_s, (unsigned long long)res->requests);
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "zarrd-bench: cannot write %s\n", path);
        return ZD_EIO;
    }
    return 0;
}
