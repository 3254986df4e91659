"""rasa-sdk actions. Run them in a real action server with ``python -m rasa_sdk --actions bot.actions``;
the embedded engine registers ``ACTION_CLASSES`` with its own ActionExecutor.

Importing this package does no work: no model, no network, no database.
"""

from .check import ActionAskChosenPathway, ActionCheckEligibility, ActionStartCheck
from .conversation import (
    ActionAnswerFaq,
    ActionCrisisSupport,
    ActionRestartConversation,
    ActionResume,
    ActionRiskCheck,
    ActionStopConversation,
)
from .eligibility_form import ValidateEligibilityForm
from .referral import ActionSubmitReferral
from .referral_form import ValidateReferralForm

ACTION_CLASSES = (
    ValidateEligibilityForm, ValidateReferralForm, ActionStartCheck, ActionCheckEligibility, ActionAskChosenPathway,
    ActionSubmitReferral, ActionAnswerFaq, ActionCrisisSupport, ActionRiskCheck, ActionResume, ActionRestartConversation,
    ActionStopConversation,
)

__all__ = ["ACTION_CLASSES"] + [cls.__name__ for cls in ACTION_CLASSES]
