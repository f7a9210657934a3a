"""Multi-party sign-off: submit, sign, decide, withdraw and revise an evaluation.

Every service locks the evaluation row first (and only then anything else), so two people acting
at once are serialised in the same order: no lost or doubled signature, and the signature that
completes a round decides it in the same transaction. Signatures are bound to a content hash
over a canonical snapshot of what was submitted; a closed round's signatures stay as history.

The parts: `transitions` (the state machine; submit, withdraw, revise), `signing` (a signature
and the outcome of the round it completes), `content` (the snapshot signers sign, and its hash),
`routing` (which sign-offs the policies require, who signs next), `rules` (what every signature
obeys, also a register package's in `dora`) and `notifications` (the mail).
"""

from .content import canonical_content, hash_content
from .routing import required_signoffs
from .rules import ReauthenticationFailed, SeparationOfDutiesViolation
from .signing import signature_meaning, signoff_record
from .transitions import (
    IncompleteEvaluation,
    InvalidTransition,
    evaluation_revise,
    evaluation_submit,
    evaluation_withdraw,
)

__all__ = [
    "IncompleteEvaluation",
    "InvalidTransition",
    "ReauthenticationFailed",
    "SeparationOfDutiesViolation",
    "canonical_content",
    "evaluation_revise",
    "evaluation_submit",
    "evaluation_withdraw",
    "hash_content",
    "required_signoffs",
    "signature_meaning",
    "signoff_record",
]
