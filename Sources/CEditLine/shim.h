#ifndef BERTH_CEDITLINE_SHIM_H
#define BERTH_CEDITLINE_SHIM_H
// libedit's readline-compatible interface (BSD licence), not GNU readline's header of the same name.
#include <stdio.h>
#include <editline/readline.h>

// berth handles SIGINT itself (see LineEditor.swift); libedit must not install handlers of its own.
static inline void berth_editline_leave_signals_alone(void) { rl_catch_signals = 0; }
#endif
