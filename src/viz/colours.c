/* colours.c - the clusters' colours: a fixed palette, and a colouring that
 * keeps neighbouring clusters apart (greedy graph colouring, Welsh & Powell
 * 1967, on the graph of each centre's nearest centres). */
#include "viz/viz.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- palette */

/* Twenty saturated colours, none of them grey, ordered so that the first ten
 * already differ strongly in hue and lightness. */
static const uint32_t palette[TC_VIZ_PALETTE_SIZE] = {
    0x2f6fd0, 0xe8801a, 0x2e9e44, 0xd62f2f, 0x8a55c2, 0x8c5a3c, 0xe052b0, 0x9aa012,
    0x17b3c9, 0x1d3f8f, 0xf2b705, 0x0f7b6c, 0xa3172d, 0x5bc24a, 0xff6f61, 0x5a2d82,
    0x3aa0ff, 0xb86a00, 0x7b7fe0, 0x4d6b00,
};

uint32_t tc_viz_palette(int i) {
    if (i < 0) return TC_VIZ_NOISE_RGB;
    return palette[i % TC_VIZ_PALETTE_SIZE];
}

/* Perceptual-ish distance between two colours ("redmean" weighted RGB). */
static double colour_dist(uint32_t a, uint32_t b) {
    double r1 = a >> 16 & 255, g1 = a >> 8 & 255, b1 = a & 255;
    double r2 = b >> 16 & 255, g2 = b >> 8 & 255, b2 = b & 255;
    double rm = (r1 + r2) / 2, dr = r1 - r2, dg = g1 - g2, db = b1 - b2;
    return sqrt((2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db);
}

int tc_viz_centre_graph(const float *centres, size_t k, int32_t *nbr) {
    const int K = TC_VIZ_NEIGHBOURS;
    for (size_t i = 0; i < k * K; i++) nbr[i] = -1;
    double best[TC_VIZ_NEIGHBOURS];
    for (size_t i = 0; i < k; i++) {
        int m = 0; /* insertion-sorted list of the K nearest so far */
        for (size_t j = 0; j < k; j++) {
            if (j == i) continue;
            double dx = centres[2 * i] - centres[2 * j], dy = centres[2 * i + 1] - centres[2 * j + 1];
            double d = dx * dx + dy * dy;
            if (m == K && d >= best[K - 1]) continue;
            int t = m < K ? m++ : K - 1;
            while (t > 0 && best[t - 1] > d) {
                best[t] = best[t - 1];
                nbr[i * K + t] = nbr[i * K + t - 1];
                t--;
            }
            best[t] = d;
            nbr[i * K + t] = (int32_t)j;
        }
    }
    return 0;
}

/* Colours at least this far apart count as distinct. */
#define DISTINCT 200.0

typedef struct { int deg; size_t i; } order_item;

static int cmp_order(const void *a, const void *b) {
    const order_item *x = a, *y = b;
    if (x->deg != y->deg) return y->deg - x->deg;
    return (x->i > y->i) - (x->i < y->i);
}

int tc_viz_colour_clusters(const float *centres, size_t k, int *colour) {
    if (k == 0) return 0;
    const int K = TC_VIZ_NEIGHBOURS;
    int32_t *nbr = malloc(k * K * sizeof *nbr);        /* (k, K) nearest centres */
    size_t *start = calloc(k + 1, sizeof *start);      /* (k+1) CSR offsets */
    int32_t *adj = malloc(2 * k * K * sizeof *adj);    /* (<= 2kK) symmetric edges */
    order_item *order = malloc(k * sizeof *order);     /* (k) */
    if (!nbr || !start || !adj || !order) {
        free(nbr); free(start); free(adj); free(order);
        return tc_error(TC_ENOMEM, "viz: out of memory colouring %zu clusters", k);
    }
    tc_viz_centre_graph(centres, k, nbr);
    for (size_t i = 0; i < k; i++)
        for (int t = 0; t < K; t++) {
            int32_t j = nbr[i * K + t];
            if (j < 0) continue;
            start[i + 1]++;
            start[j + 1]++;
        }
    for (size_t i = 0; i < k; i++) start[i + 1] += start[i];
    size_t *fill = calloc(k, sizeof *fill);
    if (!fill) {
        free(nbr); free(start); free(adj); free(order);
        return tc_error(TC_ENOMEM, "viz: out of memory colouring %zu clusters", k);
    }
    for (size_t i = 0; i < k; i++)
        for (int t = 0; t < K; t++) {
            int32_t j = nbr[i * K + t];
            if (j < 0) continue;
            adj[start[i] + fill[i]++] = j;
            adj[start[j] + fill[j]++] = (int32_t)i;
        }
    for (size_t i = 0; i < k; i++) {
        order[i].deg = (int)(start[i + 1] - start[i]);
        order[i].i = i;
        colour[i] = -1;
    }
    qsort(order, k, sizeof *order, cmp_order);
    size_t used[TC_VIZ_PALETTE_SIZE] = {0};
    for (size_t o = 0; o < k; o++) {
        size_t i = order[o].i;
        int best = 0;
        double best_d = -1;
        for (int c = 0; c < TC_VIZ_PALETTE_SIZE; c++) {
            double d = 1e9; /* distance to the nearest colour among the neighbours */
            for (size_t e = start[i]; e < start[i + 1]; e++) {
                int cj = colour[adj[e]];
                if (cj < 0) continue;
                double dc = cj == c ? 0 : colour_dist(palette[c], palette[cj]);
                if (dc < d) d = dc;
            }
            if (d > DISTINCT) d = DISTINCT; /* distinct enough: then prefer the least used */
            if (d > best_d + 1e-9 || (fabs(d - best_d) <= 1e-9 && used[c] < used[best])) {
                best = c;
                best_d = d;
            }
        }
        colour[i] = best;
        used[best]++;
    }
    free(fill); free(nbr); free(start); free(adj); free(order);
    return 0;
}
