import csv
import io

from flask import Response
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from assessments.errors import AnswerError
from coachkit import deal_services as ds
from coachkit import pipeline as pl
from coachkit.access import own_rep
from coachkit.access import owned
from coachkit.crm_import import TARGET_FIELDS
from coachkit.crm_import import CrmImportError
from coachkit.crm_import import MappingError
from coachkit.crm_import import read_table
from coachkit.crm_import import suggest_mapping
from coachkit.deals import bp
from coachkit.deals.forms import ArchiveForm
from coachkit.deals.forms import CloseForm
from coachkit.deals.forms import DealForm
from coachkit.deals.forms import RepForm
from coachkit.deals.forms import UploadForm
from coachkit.deals.forms import analysis_form
from coachkit.deals.forms import answer_field
from coachkit.deals.forms import note_field
from coachkit.deals.labels import DEAL_ERRORS
from coachkit.deals.labels import FIELD_LABELS
from coachkit.deals.labels import KEY_CHOICES
from coachkit.deals.views import deal_context
from coachkit.deals.views import forecast_context
from coachkit.extensions import db
from coachkit.i18n import current_language
from coachkit.i18n import number
from coachkit.models import Deal
from coachkit.models import ImportUpload
from coachkit.models import utcnow

PREVIEW_ROWS = 200


def own_deal(deal_id: int) -> Deal:
    return owned(Deal, deal_id)


def own_upload(upload_id: int) -> ImportUpload:
    return owned(ImportUpload, upload_id)


def rep_choices() -> list[tuple[int, str]]:
    return [(0, _("— no rep —"))] + [(r.id, r.name) for r in ds.team(current_user) if r.active]


@bp.route("/")
@login_required
def pipeline():
    """The team's open deals with their KPIs and flags, filtered, sorted and paginated."""
    query, problems = pl.parse_query(request.args)
    if problems:
        flash(_("Some filters could not be used and were ignored: %(names)s.", names=", ".join(problems)), "warning")
    today = ds.today()
    page = pl.pipeline_page(current_user, query, today)
    return render_template(
        "deals/pipeline.html",
        page=page,
        query=query,
        summaries=pl.rep_summaries(current_user, today),
        reps=ds.team(current_user),
        stages=pl.stages(current_user, today),
        flags=pl.FLAGS,
        kpis=pl.KPI_COLUMNS,
        today=today,
    )


@bp.route("/team", methods=["GET", "POST"])
@login_required
def team():
    """The manager's reps: add, rename, deactivate."""
    form = RepForm()
    if form.validate_on_submit():
        try:
            ds.add_rep(current_user, form.name.data, form.email.data)
        except ds.DealError as exc:
            form.name.errors.append(DEAL_ERRORS[str(exc)]())
        else:
            flash(_("%(name)s is added to your team.", name=form.name.data), "success")
            return redirect(url_for("deals.team"))
    return render_template("deals/team.html", form=form, reps=ds.team(current_user)), (400 if form.errors else 200)


@bp.route("/team/<int:rep_id>", methods=["GET", "POST"])
@login_required
def edit_rep(rep_id: int):
    """Change a rep's name, email or active status."""
    rep = own_rep(rep_id)
    form = RepForm(obj=rep if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            ds.update_rep(rep, form.name.data, form.email.data, form.active.data)
        except ds.DealError as exc:
            form.name.errors.append(DEAL_ERRORS[str(exc)]())
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("deals.team"))
    return render_template("deals/rep_edit.html", form=form, rep=rep), (400 if form.errors else 200)


def _deal_values(form: DealForm) -> dict:
    return {
        "title": form.title.data,
        "account": form.account.data or None,
        "rep_id": form.rep_id.data or None,
        "value": form.value.data,
        "currency": form.currency.data,
        "stage": form.stage.data or None,
        "created_on": form.created_on.data,
        "expected_close": form.expected_close.data,
        "notes": form.notes.data or None,
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a deal by hand."""
    form = DealForm()
    form.rep_id.choices = rep_choices()
    if request.method == "GET":
        form.currency.data = current_user.currency
    if form.validate_on_submit():
        try:
            deal = ds.create_deal(current_user, external_id=form.external_id.data, **_deal_values(form))
        except ds.DealError as exc:
            form.external_id.errors.append(DEAL_ERRORS[str(exc)]())
        else:
            flash(_("Deal created. Analyse it to see its KPIs."), "success")
            return redirect(url_for("deals.show", deal_id=deal.id))
    return render_template("deals/edit.html", form=form, deal=None), (400 if form.errors else 200)


@bp.route("/<int:deal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(deal_id: int):
    """Change a deal; a later close date is recorded as a slip."""
    deal = own_deal(deal_id)
    form = DealForm(obj=deal if request.method == "GET" else None)
    form.rep_id.choices = rep_choices()
    if deal.rep and not deal.rep.active:
        form.rep_id.choices.append((deal.rep.id, deal.rep.name))
    if request.method == "GET":
        form.rep_id.data = deal.rep_id or 0
    del form.external_id
    if form.validate_on_submit():
        try:
            ds.update_deal(deal, **_deal_values(form))
        except ds.DealError as exc:
            form.rep_id.errors.append(DEAL_ERRORS[str(exc)]())
        else:
            flash(_("Deal saved."), "success")
            return redirect(url_for("deals.show", deal_id=deal.id))
    return render_template("deals/edit.html", form=form, deal=deal), (400 if form.errors else 200)


@bp.route("/<int:deal_id>", methods=["GET", "POST"])
@login_required
def show(deal_id: int):
    """The deal: analysis form, KPIs with their explanation, KPI and close-date history."""
    deal = own_deal(deal_id)
    lang = current_language()
    instrument = ds.instrument_for()
    latest = ds.latest_analysis(deal)
    if request.method == "POST":
        form = analysis_form(instrument, lang, formdata=request.form)
        question_ids = {q.id for q in instrument.questions}
        strangers = [k for k in request.form if k.startswith(("a_", "n_")) and k[2:] not in question_ids]
        missing = [q.id for q in instrument.questions if answer_field(q.id) not in request.form]
        if missing and not strangers:
            flash(_("Answer every question with yes, no or unknown. Nothing was saved."), "error")
            return render_template("deals/show.html", form=form, **deal_context(deal, lang)), 400
        if strangers or not form.validate():
            flash(_("Some answers were not valid. Nothing was saved."), "error")
            return render_template("deals/show.html", form=form, **deal_context(deal, lang)), 400
        answers = {q.id: form[answer_field(q.id)].data for q in instrument.questions}
        notes = {q.id: form[note_field(q.id)].data or "" for q in instrument.questions}
        try:
            ds.analyse_deal(deal, answers, notes, current_user)
        except AnswerError:
            flash(_("Some answers were not valid. Nothing was saved."), "error")
            return render_template("deals/show.html", form=form, **deal_context(deal, lang)), 400
        flash(_("Analysis saved."), "success")
        return redirect(url_for("deals.show", deal_id=deal.id) + "#kpis")
    data = {}
    if latest is not None:
        data = {answer_field(k): v for k, v in latest.answers.items()}
        data.update({note_field(k): v for k, v in (latest.notes or {}).items()})
    form = analysis_form(instrument, lang, data=data)
    return render_template("deals/show.html", form=form, **deal_context(deal, lang))


def render_expired_analysis(message: str):
    """Re-show a deal's analysis form with the posted answers after its security check expired."""
    deal = own_deal(request.view_args["deal_id"])
    lang = current_language()
    instrument = ds.instrument_for()
    known = {answer_field(q.id) for q in instrument.questions} | {note_field(q.id) for q in instrument.questions}
    posted = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k in known])
    form = analysis_form(instrument, lang, formdata=posted)
    flash(message, "warning")
    return render_template("deals/show.html", form=form, **deal_context(deal, lang)), 400


@bp.route("/<int:deal_id>/close", methods=["POST"])
@login_required
def close(deal_id: int):
    """Close a deal as won or lost, or open it again."""
    deal = own_deal(deal_id)
    form = CloseForm()
    if form.validate_on_submit():
        ds.close_deal(deal, form.status.data, form.closed_on.data)
        flash(_("Deal result saved."), "success")
    else:
        flash(_("Choose won, lost or open again."), "error")
    return redirect(url_for("deals.show", deal_id=deal.id))


@bp.route("/<int:deal_id>/archive", methods=["POST"])
@login_required
def archive(deal_id: int):
    """Archive a deal (or restore it): it leaves the pipeline but keeps its history."""
    deal = own_deal(deal_id)
    if ArchiveForm().validate_on_submit():
        ds.archive_deal(deal, not deal.archived)
        flash(_("Deal archived.") if deal.archived else _("Deal restored."), "success")
    return redirect(url_for("deals.show", deal_id=deal.id))


@bp.route("/forecast")
@login_required
def forecast():
    """Forecast per month or quarter: booked, commit, best case and weighted, per rep and team."""
    granularity = "quarter" if request.args.get("by") == "quarter" else "month"
    return render_template("deals/forecast.html", **forecast_context(current_user, granularity, ds.today()))


# ---------------------------------------------------------------- import


@bp.route("/import", methods=["GET", "POST"])
@login_required
def upload():
    """Upload a CRM export; the next page previews it before anything is imported."""
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        data = storage.read()
        filename = (storage.filename or "upload")[:255]
        try:
            # Only the file itself is checked here; the columns are chosen on the preview.
            read_table(data, filename)
        except CrmImportError as exc:
            form.file.errors.append(exc.message(current_language()))
        else:
            upload = ImportUpload(manager_id=current_user.id, filename=filename, data=data)
            db.session.add(upload)
            db.session.commit()
            return redirect(url_for("deals.preview", upload_id=upload.id))
    return render_template("deals/upload.html", form=form), (400 if form.errors else 200)


def _mapping_from(form_data, headers: list[str]) -> dict[str, str | None] | None:
    if "map_title" not in form_data:
        return None
    mapping = {}
    for target in TARGET_FIELDS:
        value = form_data.get("map_" + target) or None
        mapping[target] = value if value in headers else None
    return mapping


def _key_from(form_data) -> tuple[str, tuple | str]:
    choice = form_data.get("key") or "external_id"
    if choice not in dict(KEY_CHOICES):
        choice = "external_id"
    return choice, (tuple(choice.split(",")) if "," in choice else choice)


@bp.route("/import/<int:upload_id>", methods=["GET", "POST"])
@login_required
def preview(upload_id: int):
    """Show how the file was read, the column mapping and the dry run; apply it all or nothing."""
    upload = own_upload(upload_id)
    lang = current_language()
    if upload.applied_at is not None and request.method == "GET":
        flash(_("This file has been imported already. Upload it again to check for changes."), "info")
    form_data = request.form if request.method == "POST" else request.args
    create_reps = form_data.get("create_reps") in ("1", "on", "y")
    choice, key = _key_from(form_data)
    remembered: dict = {}

    def choose_mapping(headers):
        chosen = _mapping_from(form_data, headers)
        if chosen is None:
            # A file with the same columns as one imported before gets the same choices.
            remembered.update(ds.remembered_choice(current_user, headers) or {})
            chosen = remembered.get("mapping")
        return chosen

    def choose_key(headers):
        nonlocal choice
        if "key" not in form_data and remembered.get("key"):
            choice, chosen = _key_from({"key": remembered["key"]})
            return chosen
        return key

    try:
        table, analysis = ds.read_deal_upload(
            upload.data,
            upload.filename,
            choose_mapping,
            key=choose_key,
            currency=current_user.currency,
            lang=lang,
        )
    except MappingError as exc:
        # The columns that tell deals apart are not chosen yet: show the column choice.
        table = read_table(upload.data, upload.filename)
        mapping = _mapping_from(form_data, table.headers) or suggest_mapping(table.headers)
        return render_template(
            "deals/preview.html",
            upload=upload,
            table=table,
            analysis=None,
            plan=None,
            mapping=mapping,
            mapping_error=exc.message(lang),
            rejected=[],
            others=[],
            create_reps=create_reps,
            key_choice=choice,
            key_choices=KEY_CHOICES,
            field_labels=FIELD_LABELS,
            target_fields=TARGET_FIELDS,
            lang=lang,
        ), 400
    except CrmImportError as exc:
        flash(exc.message(lang), "error")
        return redirect(url_for("deals.upload"))
    if request.method == "POST" and request.form.get("action") == "apply":
        if upload.applied_at is not None:
            flash(_("This file has been imported already."), "info")
            return redirect(url_for("deals.pipeline"))
        # Marked in the import's own transaction; apply_import plans again and writes nothing unless all rows pass.
        upload.applied_at = utcnow()
        upload.headers, upload.mapping, upload.match_key = list(table.headers), dict(analysis.mapping), choice
        plan = ds.apply_import(current_user, analysis, create_reps=create_reps, lang=lang)
        if not plan.importable:
            upload.applied_at = None
            upload.headers = upload.mapping = upload.match_key = None
            flash(_("Nothing was imported: fix the rejected rows first (or change the mapping)."), "error")
        else:
            s = plan.summary()
            flash(
                _(
                    "Import complete: %(create)s created, %(update)s updated, %(unchanged)s unchanged, "
                    "%(reps)s new reps.",
                    create=number(s["create"], 0),
                    update=number(s["update"], 0),
                    unchanged=number(s["unchanged"], 0),
                    reps=number(s["new_reps"], 0),
                ),
                "success",
            )
            return redirect(url_for("deals.pipeline"))
    else:
        plan = ds.plan_import(current_user, analysis, create_reps=create_reps, lang=lang)
    if request.method == "POST" and request.form.get("action") == "report":
        return _dry_run_csv(upload, plan)
    rejected = [r for r in plan.rows if r.action == "rejected"]
    others = [r for r in plan.rows if r.action != "rejected"][:PREVIEW_ROWS]
    return render_template(
        "deals/preview.html",
        upload=upload,
        table=table,
        analysis=analysis,
        plan=plan,
        mapping=analysis.mapping,
        mapping_error=None,
        rejected=rejected[:1000],
        others=others,
        create_reps=create_reps,
        key_choice=choice,
        key_choices=KEY_CHOICES,
        field_labels=FIELD_LABELS,
        target_fields=TARGET_FIELDS,
        lang=lang,
    )


def _dry_run_csv(upload: ImportUpload, plan) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "action", "key", "title", "rep", "changes", "reasons"])
    for r in plan.rows:
        writer.writerow(
            [
                r.row_number,
                r.action,
                _safe(r.key),
                _safe(r.title or ""),
                _safe(r.rep or ""),
                " ".join(r.changes),
                _safe("; ".join(r.reasons)),
            ]
        )
    name = f"dry-run-{upload.id}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _safe(text: str) -> str:
    """Neutralise spreadsheet formulas in exported text cells."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.app_template_filter("flag_label")
def flag_label(flag: str) -> str:
    from coachkit.deals.labels import FLAG_LABELS

    return str(FLAG_LABELS.get(flag, flag))


@bp.app_template_filter("kpi_label")
def kpi_label(kpi: str) -> str:
    from coachkit.deals.labels import KPI_LABELS

    return str(KPI_LABELS.get(kpi, kpi))
