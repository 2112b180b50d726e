"""`reader-app regen BOOK --at CHAPTER:SENTENCE [--takes N] [--keep K] [--json]`: new takes of one sentence.

Makes N new takes (default 1), numbered on from the takes already made (take 0 is the original), stores each
clip in the book's cache and keeps the last new one, or take K with --keep K. --keep K alone switches the kept
take among those made without generating (no model needed). Replays and exports use the kept take.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from reader_app.cli.errors import UsageError, say


def register(subparsers: argparse._SubParsersAction) -> None:
    from reader_app.cli.play_command import model_options

    regen = subparsers.add_parser("regen", help="regenerate one sentence: new takes, the chosen one kept")
    regen.add_argument("book", type=Path)
    regen.add_argument("--at", required=True, metavar="CHAPTER:SENTENCE",
                       help="the sentence (numbered from 1, as play's --from)")
    regen.add_argument("--takes", type=_positive, default=None, metavar="N",
                       help="how many new takes to make (default 1; none with --keep alone)")
    regen.add_argument("--keep", type=_take_number, default=None, metavar="K",
                       help="the take to keep (0 is the original; default: the last new take)")
    model_options(regen)
    regen.add_argument("--json", action="store_true",
                       help='print {"sentence": ..., "takes": [...], "kept": K} as JSON')
    regen.set_defaults(handler=run_regen)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"wants a whole number, 1 or more (got {text!r})")
    return int(text)


def _take_number(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"wants a take number, 0 or more (got {text!r})")
    return int(text)


def run_regen(args: argparse.Namespace) -> int:
    from reader_app.cli.play_command import open_context, sentence_index
    from reader_app.narration.takes import TakeMaker

    context = open_context(args)
    try:
        index = sentence_index(context.book, args.at, "--at")
        generate = args.takes is not None or args.keep is None
        count = args.takes or 1
        if generate and not context.can_generate:
            raise UsageError("regen needs a model to make new takes: pass --model DIR or set READER_APP_MODEL "
                             "(--keep K alone switches among the takes made)")
        maker = TakeMaker(context.book, context.cache, context.config,
                          context.engine_provider() if generate else None)
        made = maker.record(index).made
        if args.keep is not None and not args.keep < made + (count if generate else 0):
            last = made + count - 1 if generate else made - 1
            raise UsageError(f"--keep {args.keep}: this sentence will have takes 0 to {last}")
        result = maker.make(index, count, args.keep) if generate else maker.keep(index, args.keep)
        if args.json:
            print(json.dumps(result.as_json(context.book), ensure_ascii=False))
        else:
            made_text = f"made take{'s' if len(result.takes) > 1 else ''} {', '.join(map(str, result.takes))}; " \
                if result.takes else ""
            say(f"sentence {args.at}: {made_text}keeping take {result.kept} ({result.made} takes in all)")
        return 0
    finally:
        context.close()
