#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H
// SwiftPM drops pkg-config's -D flags, so the wide-character API is switched on here.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncurses.h>

// Swift 6 rejects ncurses' mutable globals and cannot import its function-like macros;
// these inline wrappers expose them as plain functions.
static inline WINDOW *pgw_stdscr(void) { return stdscr; }
static inline int pgw_lines(void) { return LINES; }
static inline int pgw_cols(void) { return COLS; }
static inline int pgw_colors(void) { return COLORS; }
static inline int pgw_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t pgw_a_bold(void) { return A_BOLD; }
static inline attr_t pgw_a_reverse(void) { return A_REVERSE; }
static inline attr_t pgw_a_dim(void) { return A_DIM; }
static inline attr_t pgw_a_underline(void) { return A_UNDERLINE; }
static inline attr_t pgw_a_normal(void) { return A_NORMAL; }
#endif
