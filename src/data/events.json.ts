// The events page's data: daily, hourly and weekly aggregates of the pinned behavioral_events.
import { eventsData } from "../../loaders/site/events.ts";
import { runJsonLoader } from "../../loaders/site/run.ts";

await runJsonLoader("events", eventsData);
