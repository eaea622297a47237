# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The built-in Jinja2 templates of the end report.

Why Python strings and not .j2 files: Ansible ships a module's
module_utils to the managed host as Python files only (AnsiballZ), so a
template file beside them would not arrive; a string does, and the console
and the Action read the same one. A user's own template (summary_template)
is rendered with the same filters and the same context: ``r`` (the result
dict, as the module returns it), ``max_rows``, and ``outcomes`` (the
outcome names in report order). Filters: ``cell`` (safe in one Markdown
table cell), ``code`` (inline code), ``n`` (1,234), ``duration`` (3m12s),
``rate`` (12.3 repos/s), ``when`` (a reset time), ``bytes`` (12.3 MiB).
Ready-made rows: ``owner_rows``, ``slowest_rows``, and for a merged report
``shard_rows`` and ``shard_failure_rows``; ``stream`` is the stream
statistics as one line. See docs/architecture.md.
"""

from __future__ import annotations

# The job summary (GitHub-flavoured Markdown). Tables are cut at max_rows;
# summary.render_summary halves max_rows until the whole fits GitHub's 1 MiB.
SUMMARY_MD = """\
{%- set c = r.counts or {} -%}
{%- set run = r.run or {} -%}
{%- set owners = run.owners or [] -%}
## bulk-clone: {{ ((owners[:5] | join(', ')) or run.owner_kind or 'repositories') | cell(200) }}
{%- if owners | length > 5 %} and {{ owners | length - 5 }} more{% endif %}
{%- if run.provider %} ({{ run.provider | cell(40) }}){% endif %}
{%- if run.shard %}, shard {{ run.shard | cell(20) }}{% endif %}

{{ headline }}
{% if r.msg %}
> [!CAUTION]
> {{ r.msg | cell(1000) }}
{% endif %}
{%- for warning in (r.warnings or [])[:[1, max_rows // 10] | max] %}
> [!WARNING]
> {{ warning | cell(1000) }}
{% endfor %}
| outcome | repositories |
|---|---:|
{% for o in outcomes %}| {{ icons.get(o, '') }} {{ o }} | {{ c.get(o, 0) | n }} |
{% endfor %}
{%- for k in c | sort if k not in outcomes and k != 'total' %}| {{ k | cell }} | {{ c[k] | n }} |
{% endfor -%}
| **total** | **{{ c.get('total', 0) | n }}** |

- **Duration**: {{ (r.duration or 0) | duration }}, throughput {{ throughput | rate }}
{% if run.strategy %}- **Strategy**: {{ run.strategy | cell(20) }}, concurrency {{ run.concurrency | n }}, \
into {{ (run.dest or '') | code }}
{% endif %}
{%- for line in api_lines %}{{ line }}
{% endfor -%}
{% if r.push %}- **Push to** {{ (r.push.url or '') | code }}: {{ r.push.pushed | n }} pushed, {{ r.push.failed | n }} \
failed, {{ r.push.up_to_date | n }} already up to date
{% endif %}
{%- if r.state_file %}- **State file**: {{ r.state_file | code }}
{% endif %}
{%- if r.report_file %}- **Full report**: {{ r.report_file | code }}
{% endif %}
{%- macro section(title, header, rows, total) -%}
{%- if total > 0 %}

### {{ title }} ({{ total | n }})

| {{ header | join(' | ') }} |
|{% for h in header %}---|{% endfor %}
{% for row in rows[:max_rows] %}| {{ row | join(' | ') }} |
{% endfor %}
{%- if rows[:max_rows] | length < total %}
_{{ (total - (rows[:max_rows] | length)) | n }} more not shown: the full list is in \
{{ (r.report_file | code) if r.report_file else 'the JSON report' }}._
{% endif %}
{%- endif %}
{%- endmacro -%}
{{ section('Per owner', ['owner', 'total'] + outcomes, owner_rows, owner_rows | length) }}
{{- section('Failures', ['repository', 'reason'], rows(r.failures), [r.failures | length, c.get('failed', 0)] | max) }}
{%- if r.push and r.push.failures %}
{{- section('Push failures', ['repository', 'reason'], rows(r.push.failures),
            [r.push.failures | length, r.push.failed or 0] | max) }}
{%- endif %}
{{- section('Held back', ['repository', 'reason'], rows(r.held_back), [r.held_back | length, c.get('skipped', 0)] | max) }}
{{- section('Not synced in this run', ['repository', 'what happened'], rows(r.gone, 'reason'),
            [r.gone | length, c.get('gone', 0)] | max) }}
{{- section('Slowest', ['repository', 'duration', 'received', 'outcome'], slowest_rows, slowest_rows | length) }}
"""

# The end of the console's log (plain text).
REPORT_TXT = """\
{%- set c = r.counts or {} -%}
bulk-clone: {{ c.get('total', 0) | n }} repositories in {{ (r.duration or 0) | duration }} ({{ throughput | rate }}): \
{% for o in outcomes %}{{ c.get(o, 0) | n }} {{ o }}{{ ', ' if not loop.last }}{% endfor %}
{%- if r.interrupted %}
interrupted: {{ r.interrupted }}
{%- endif %}
{%- if stream %}
stream: {{ stream }}
{%- endif %}
{%- if r.push %}
push-to: {{ r.push.pushed | n }} pushed, {{ r.push.failed | n }} failed, {{ r.push.up_to_date | n }} already up to date
{%- endif %}
{%- if r.report_file_json %}
report: {{ r.report_file_json }}
{%- endif %}
{%- if r.report_file %}
every repository: {{ r.report_file }}
{%- endif %}
"""

# The job summary of a matrix's final job: the shards' reports merged (merge.py).
MERGED_MD = """\
{%- set c = r.counts or {} -%}
{%- set run = r.run or {} -%}
{%- set sh = r.shards or {} -%}
{%- set owners = run.owners or [] -%}
## bulk-clone: {{ ((owners[:5] | join(', ')) or run.owner_kind or 'repositories') | cell(200) }}
{%- if owners | length > 5 %} and {{ owners | length - 5 }} more{% endif %}
{%- if run.provider %} ({{ run.provider | cell(40) }}){% endif %}, \
{% if sh.count %}{{ sh.ran | length }} of {{ sh.count }} shards{% else %}{{ sh.ran | length }} reports{% endif %}

{{ headline }}
{% if r.msg %}
> [!CAUTION]
> {{ r.msg | cell(1000) }}
{% endif %}
{%- for warning in (r.warnings or [])[:[1, max_rows // 10] | max] %}
> [!WARNING]
> {{ warning | cell(1000) }}
{% endfor %}
| outcome | repositories |
|---|---:|
{% for o in outcomes %}| {{ icons.get(o, '') }} {{ o }} | {{ c.get(o, 0) | n }} |
{% endfor %}
{%- for k in c | sort if k not in outcomes and k != 'total' %}| {{ k | cell }} | {{ c[k] | n }} |
{% endfor -%}
| **total** | **{{ c.get('total', 0) | n }}** |

- **Shards**: {{ sh.ran | length }} reported{% if sh.count %} of {{ sh.count }}{% endif %}\
{% if sh.missing %}, **missing: {{ sh.missing | join(', ') | cell(500) }}**{% endif %}\
{% if sh.failed %}, failed: {{ sh.failed | join(', ') | cell(500) }}{% endif %}
- **Duration**: {{ (r.duration or 0) | duration }} (the slowest shard), throughput {{ throughput | rate }}
{% for line in api_lines %}{{ line }}
{% endfor -%}
{% if r.push %}- **Push**: {{ r.push.pushed | n }} pushed, {{ r.push.failed | n }} failed, \
{{ r.push.up_to_date | n }} already up to date
{% endif %}
{%- macro section(title, header, rows, total) -%}
{%- if total > 0 %}

### {{ title }} ({{ total | n }})

| {{ header | join(' | ') }} |
|{% for h in header %}---|{% endfor %}
{% for row in rows[:max_rows] %}| {{ row | join(' | ') }} |
{% endfor %}
{%- if rows[:max_rows] | length < total %}
_{{ (total - (rows[:max_rows] | length)) | n }} more not shown: each shard's report holds its full list._
{% endif %}
{%- endif %}
{%- endmacro -%}
{{ section('Shards', ['shard', 'total'] + outcomes + ['duration', 'verdict'], shard_rows, shard_rows | length) }}
{{- section('Failures by shard', ['shard', 'repository', 'reason'], shard_failure_rows,
            [shard_failure_rows | length, c.get('failed', 0)] | max) }}
{{- section('Slowest repositories', ['repository', 'shard', 'duration', 'received', 'outcome'], slowest_rows,
            slowest_rows | length) }}
{{- section('Per owner', ['owner', 'total'] + outcomes, owner_rows, owner_rows | length) }}
"""

# The console's text for a merged report.
MERGED_TXT = """\
{%- set c = r.counts or {} -%}
{%- set sh = r.shards or {} -%}
bulk-clone: {{ sh.ran | length }}{% if sh.count %} of {{ sh.count }}{% endif %} shards, \
{{ c.get('total', 0) | n }} repositories: \
{% for o in outcomes %}{{ c.get(o, 0) | n }} {{ o }}{{ ', ' if not loop.last }}{% endfor %}
{%- if sh.missing %}
missing shards: {{ sh.missing | join(', ') }}
{%- endif %}
{%- for row in r.by_shard or [] %}
  shard {{ row.shard }}: {{ (row.counts or {}).get('total', 0) | n }} repositories, \
{{ (row.counts or {}).get('failed', 0) | n }} failed, {{ row.duration | duration }}\
{% if row.failed %} (failed: {{ row.msg }}){% endif %}
{%- endfor %}
{%- if stream %}
stream: {{ stream }}
{%- endif %}
"""
