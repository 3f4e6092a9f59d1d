"""What contacts consumes for campaigns: dispatch's requests for an audience."""

from contacts_service.campaign_audience.service import on_requested
from shared.events import CampaignAudienceRequested
from shared.inbox import Handler

TOPICS = (CampaignAudienceRequested.topic,)
HANDLERS: dict[str, Handler] = {"campaign.audience_requested": on_requested}
