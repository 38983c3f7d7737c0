-- Names never carry control characters
--
-- Session names, module names and video file names are shown by every reader of these rows: the
-- CLI (which escapes them), but also the device page, operators' scripts and any web front end,
-- which would get raw ESC, BEL or newline bytes (terminal title and screen rewrites, forged lines).
-- The CLI refuses such names before any request; these constraints refuse them from every client.
--
-- Control characters: C0 (U+0001-U+001F, tab, newline and ESC included; U+0000 cannot be stored
-- in text), DEL (U+007F) and C1 (U+0080-U+009F).
--
-- Rows written before this migration are cleaned, not left NOT VALID: a NOT VALID constraint is
-- still checked on every new row version, so renaming nothing but moving an old module (an UPDATE
-- of order_index) would start failing on a name written long ago. Each control character in an
-- existing name becomes U+FFFD (the replacement character): the length stays within 255, the name
-- stays non-blank, and the spot where something was removed stays visible. Then the constraints
-- are added and validated.

update public.sessions
   set name = regexp_replace(name, '[\u0001-\u001f\u007f-\u009f]', U&'\FFFD', 'g')
 where name ~ '[\u0001-\u001f\u007f-\u009f]';

update public.modules
   set name = regexp_replace(name, '[\u0001-\u001f\u007f-\u009f]', U&'\FFFD', 'g')
 where name ~ '[\u0001-\u001f\u007f-\u009f]';

update public.videos
   set file_name = regexp_replace(file_name, '[\u0001-\u001f\u007f-\u009f]', U&'\FFFD', 'g')
 where file_name ~ '[\u0001-\u001f\u007f-\u009f]';

alter table public.sessions
  add constraint sessions_name_no_control_chars check (name !~ '[\u0001-\u001f\u007f-\u009f]');
alter table public.modules
  add constraint modules_name_no_control_chars check (name !~ '[\u0001-\u001f\u007f-\u009f]');
alter table public.videos
  add constraint videos_file_name_no_control_chars check (file_name !~ '[\u0001-\u001f\u007f-\u009f]');
