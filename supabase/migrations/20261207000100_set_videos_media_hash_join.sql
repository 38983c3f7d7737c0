-- set_videos_media joins its list to public.videos with hash joins, whatever the statistics say
--
-- jsonb_array_elements is estimated at 100 rows, so for a large import the planner joined the
-- list to the caller's videos with a nested loop over the (user_id, ...) index: every entry
-- scanned all of the caller's videos, and 10,000 new videos ran past the 8 s statement timeout of
-- `authenticated`. As import_session does (20261206400000), the function runs with nested loops
-- off, so its one UPDATE is a hash join: linear in the entries.

alter function public.set_videos_media(jsonb) set enable_nestloop = off;
