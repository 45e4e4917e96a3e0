/* lostwax: design previews drawn by lostwax itself, for the people who never see the CAD file:
 * the piece in polished metal from several angles, side by side, watermarked for the order.
 *
 * Each view is an orthographic projection of the mesh, all views at one scale (so they compare),
 * rasterised on the CPU with a z-buffer at several samples a pixel and shaded as polished metal
 * in a small photo studio: reflections of a soft top light, a key light and a dim fill, coloured
 * by the metal, brighter at grazing angles, tone-mapped and encoded as sRGB. The watermark, the
 * scale bars and the captions are drawn over it with cairo. The method is in
 * docs/internals/render.md.
 *
 * Pure computation: a mesh and options in, a picture out; no files, no clock, no globals. The
 * same input gives the same bytes.
 */
#ifndef LW_DESIGN_RENDER_H
#define LW_DESIGN_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/image.h"
#include "geom/mesh.h"

/* Limits of a picture: a side of at most 8192 pixels and at most 64 million pixels in all
 * (256 MB of RGBA); beyond either is LW_ELIMIT. */
#define LW_RENDER_SIDE_MAX 8192u
#define LW_RENDER_PIXELS_MAX 64000000u
#define LW_RENDER_VIEWS_MAX 8u
#define LW_RENDER_SS_MAX 8u    /* samples a pixel each way */
#define LW_RENDER_TEXT_MAX 256 /* bytes of a watermark or caption, NUL excluded */

/* Where the camera is. World axes as everywhere in lostwax: millimetres, Z up (a band lies flat
 * with the finger's axis along Z), the front of the piece toward -Y. */
typedef enum lw_render_view {
    LW_VIEW_TOP = 0,       /* from above, looking down -Z: X to the right, Y up the picture */
    LW_VIEW_FRONT,         /* from the front (-Y), looking +Y: X to the right, Z up */
    LW_VIEW_SIDE,          /* from the right (+X), looking -X: Y to the right, Z up */
    LW_VIEW_THREE_QUARTER, /* from the front right, 35 degrees round from the front and 30
                            * degrees above: the view of a catalogue photograph */
    LW_VIEW_COUNT
} lw_render_view;

/* The key light as the camera sees it (x right, y up, z toward the camera; a unit vector once
 * normalised): above left, in front. A facet whose normal is halfway between this and the
 * direction to the camera mirrors the key light into the camera and is the brightest. The
 * lights move with the camera, so every view is lit the same way, as a studio photographer
 * would light each shot. */
#define LW_RENDER_KEY_X (-0.55)
#define LW_RENDER_KEY_Y 0.50
#define LW_RENDER_KEY_Z 0.67

typedef struct lw_render_opts {
    uint32_t width, height;  /* the picture, pixels (default 1200 x 400) */
    uint32_t nviews;         /* 1 ... LW_RENDER_VIEWS_MAX (default 3) */
    lw_render_view views[LW_RENDER_VIEWS_MAX]; /* left to right (default three-quarter, front,
                                                * top) */
    const char *captions[LW_RENDER_VIEWS_MAX]; /* UTF-8 text under each view, or NULL (default
                                                * all NULL) */
    uint32_t metal_rgb;      /* the metal's preview colour, sRGB 0xRRGGBB, from the metal table
                              * (default 0xE8C15A, 18K yellow gold) */
    uint32_t background_rgb; /* sRGB 0xRRGGBB (default 0xFFFFFF) */
    bool transparent;        /* background alpha 0 and edge pixels partly transparent, so the
                              * picture can be laid on a web page (default false: opaque) */
    const char *watermark;   /* UTF-8 text repeated across the whole picture, or NULL (default) */
    uint32_t supersample;    /* samples a pixel each way, 1 ... LW_RENDER_SS_MAX (default 3:
                              * 9 samples, 10 levels of edge coverage) */
    bool scale_bar;          /* a bar of a round number of millimetres under each view
                              * (default true) */
} lw_render_opts;

void lw_render_opts_default(lw_render_opts *o);

/* One view's place in the picture and its projection. A point p (mm) is drawn at pixel
 * coordinates (x, y) = (ox + scale * dot(p, right), oy - scale * dot(p, up)) of the whole
 * picture, pixel (i, j) covering [i, i+1) x [j, j+1); `toward` points at the camera. */
typedef struct lw_render_cell {
    lw_render_view view;
    uint32_t x, y, w, h;      /* the view's cell, pixels */
    double right[3], up[3], toward[3];
    double ox, oy;
    double bbox[4];           /* the mesh's projection, pixels: x0, y0, x1, y1 */
} lw_render_cell;

typedef struct lw_render_layout {
    double scale;             /* pixels per millimetre, the same in every view */
    uint32_t nviews;
    uint32_t margin;          /* pixels kept free round the piece in each cell */
    uint32_t footer;          /* pixels at the bottom of each cell for the scale bar and
                               * caption (0 when neither is drawn) */
    double bar_mm;            /* the scale bar's length, mm (0 without a bar) */
    lw_render_cell cells[LW_RENDER_VIEWS_MAX];
} lw_render_layout;

/* Works out where everything goes: the cells side by side (widths differing by at most one
 * pixel), and the largest scale at which every view's projection fits its cell inside the
 * margin and above the footer. Errors (every one also of lw_render):
 *  LW_EINVAL  no facets, a facet naming a missing vertex, a non-finite coordinate, a mesh with
 *             no extent in any view or too large to scale, a zero width or height, a picture
 *             narrower than one pixel a view, no views or more than LW_RENDER_VIEWS_MAX, an
 *             unknown view, supersampling outside 1 ... LW_RENDER_SS_MAX, a watermark or
 *             caption that is not valid UTF-8 or holds control characters;
 *  LW_ELIMIT  a side above LW_RENDER_SIDE_MAX, more than LW_RENDER_PIXELS_MAX pixels, a text
 *             longer than LW_RENDER_TEXT_MAX bytes.
 * Nothing is allocated. */
lw_rc lw_render_layout_of(const lw_mesh *m, const lw_render_opts *o, lw_render_layout *out,
                          lw_err *err);

/* Where point p (mm) is drawn in view i of the layout, in pixel coordinates (see above). */
void lw_render_project(const lw_render_layout *l, uint32_t i, const double p[3], double px[2]);

/* Draws the mesh as lw_render_layout_of lays it out into a new o->width x o->height picture
 * (*out is cleared first; free it with lw_image_clear). Facets may face either way and the mesh
 * need not be closed: a facet seen from behind is shaded as seen from its other side. Errors:
 * those of lw_render_layout_of, LW_ENOMEM, and LW_EIO when cairo cannot draw the text (its
 * message says why). On failure *out is empty. lw_render_layout_of gives the layout it uses
 * (the scale a caller reports, where each view went). */
lw_rc lw_render(const lw_mesh *m, const lw_render_opts *o, lw_image *out, lw_err *err);

/* Appends the picture as PNG to out: 8-bit RGB when every pixel is opaque, else 8-bit RGBA
 * (alpha stored to within one level of the colour at partly transparent pixels, as cairo keeps
 * colour premultiplied). Errors: LW_EINVAL (no pixels, a side above LW_RENDER_SIDE_MAX),
 * LW_ENOMEM, LW_ELIMIT (out's maximum), LW_EIO (cairo failed). On failure out keeps what it
 * had. */
lw_rc lw_render_png(const lw_image *im, lw_buf *out, lw_err *err);

/* A view's name: "top", "front", "side", "three-quarter" ("?" for a value out of range). */
const char *lw_render_view_name(lw_render_view v);

/* Reads a comma-separated list of view names (case-insensitive; "3/4" also names the
 * three-quarter view) into o->views and o->nviews. LW_EINVAL naming the word that is not a view
 * and listing those that are, or for an empty list or more than LW_RENDER_VIEWS_MAX views; o
 * is unchanged on failure. */
lw_rc lw_render_views_parse(const char *list, lw_render_opts *o, lw_err *err);

#endif
