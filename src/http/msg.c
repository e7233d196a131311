/*
 * msg.c - the server's human messages in zh-CN and English, by key. Written
 * for the person who has to act on them (a grid worker on a phone, an
 * official at a desk): say what is wrong and what to do. "%s" takes the arg.
 * The browser's own strings live in web/i18n/ (one JSON file per language).
 */
#include <stdio.h>
#include <string.h>

#include "http.h"

struct msg {
    const char *key, *zh, *en;
};

static const struct msg msgs[] = {
    /* titles, one per crest_err */
    {"title_invalid", "请求内容有误", "The request has invalid fields"},
    {"title_notfound", "未找到", "Not found"},
    {"title_conflict", "与现有数据冲突", "Conflicts with existing data"},
    {"title_precondition", "数据已被他人修改", "The record was changed by someone else"},
    {"title_busy", "系统繁忙，请稍后重试", "The service is busy; try again shortly"},
    {"title_toobig", "请求内容过大", "The request is too large"},
    {"title_auth", "请先登录", "Please sign in"},
    {"title_forbidden", "无权执行此操作", "You are not allowed to do this"},
    {"title_throttled", "尝试次数过多", "Too many attempts"},
    {"title_precondition_required", "缺少版本号", "A version is required"},
    {"title_method_not_allowed", "不支持此请求方法", "Method not allowed"},
    {"title_internal", "服务器内部错误", "Internal server error"},
    {"title_db", "数据库错误", "Database error"},
    {"title_io", "存储错误", "Storage error"},
    {"title_nomem", "服务器内存不足", "Server out of memory"},
    /* body and fields */
    {"body_required", "请求体为空，需要 JSON 对象",
     "The request body is empty; a JSON object is expected"},
    {"body_malformed", "JSON 格式错误（位置 %s）", "Malformed JSON (at %s)"},
    {"body_not_object", "请求体必须是 JSON 对象", "The request body must be a JSON object"},
    {"field_required", "必填", "Required"},
    {"field_not_string", "应为文本", "Must be text"},
    {"field_not_integer", "应为整数", "Must be a whole number"},
    {"field_not_boolean", "应为 true 或 false", "Must be true or false"},
    {"field_control_chars", "含有不允许的控制字符",
     "Contains control characters that are not allowed"},
    {"field_too_short", "太短，至少 %s 个字", "Too short: at least %s characters"},
    {"field_too_long", "太长，最多 %s 个字", "Too long: at most %s characters"},
    {"field_range", "超出允许范围（%s）", "Out of the allowed range (%s)"},
    {"field_unknown", "不认识的字段，请检查拼写", "Unknown field; check the spelling"},
    {"field_not_number", "应为数字", "Must be a number"},
    {"field_not_list", "应为列表", "Must be a list"},
    {"field_not_object", "应为对象", "Must be an object"},
    {"field_date", "应为日期 YYYY-MM-DD", "Must be a date YYYY-MM-DD"},
    {"field_identifier", "应为小写字母、数字和下划线组成的代码",
     "Must be a code of a-z, 0-9 and _"},
    {"field_duplicate", "重复", "Duplicate"},
    {"field_title", "应为 {\"zh\": …, \"en\": …}", "Must be {\"zh\": …, \"en\": …}"},
    {"query_invalid", "查询参数有误", "Invalid query parameter"},
    /* HTTP level */
    {"not_found", "没有这个地址", "No such address"},
    {"method_not_allowed", "不支持此请求方法", "Method not allowed on this address"},
    {"too_big", "请求体超过 %s 字节上限", "The request body exceeds the %s-byte limit"},
    {"content_length_conflict", "Content-Length 头冲突", "Conflicting Content-Length headers"},
    {"precondition_failed", "此记录已被他人修改（当前版本 %s），请刷新后再改",
     "This record was changed by someone else (now version %s); reload and try again"},
    {"precondition_required", "修改需要 If-Match 版本号，请先读取记录",
     "Changes need an If-Match version; read the record first"},
    {"if_match_invalid", "If-Match 格式错误，应为版本号如 \"3\"",
     "Malformed If-Match; expected a version such as \"3\""},
    {"idem_mismatch", "同一个 Idempotency-Key 用于了不同的请求",
     "This Idempotency-Key was already used for a different request"},
    {"idem_invalid", "Idempotency-Key 应为 1–128 个可见字符",
     "Idempotency-Key must be 1–128 printable characters"},
    {"internal", "服务器内部错误，已记录，请稍后重试",
     "Internal error; it was logged, try again later"},
    {"busy", "系统繁忙，请稍后重试", "The service is busy; try again shortly"},
    {"db_error", "数据库错误，请稍后重试", "Database error; try again later"},
    {"conflict_exists", "已存在相同的记录", "A record with the same key already exists"},
    {"conflict_reference", "被其他记录引用或引用不存在的记录",
     "Refers to, or is referred to by, another record"},
    {"constraint", "数据不满足约束", "The data breaks a rule of the database"},
    /* sessions */
    {"auth_required", "请先登录", "Please sign in first"},
    {"session_invalid", "登录已失效，请重新登录", "Your session has expired; please sign in again"},
    {"login_failed", "用户名或密码错误", "Wrong username or password"},
    {"login_throttled", "登录失败次数过多，请 %s 秒后再试",
     "Too many failed sign-ins; try again in %s seconds"},
    {"csrf_failed", "页面已过期，请刷新后重试（CSRF 校验失败）",
     "The page is out of date; reload and try again (CSRF check failed)"},
    {"cross_site", "拒绝跨站请求", "Cross-site request refused"},
    {"forbidden_role", "您的角色无权执行此操作", "Your role may not do this"},
    {"user_disabled", "账号已停用", "This account is disabled"},
    /* regions */
    {"region_not_found", "没有这个区划，或不在您的管辖范围内",
     "No such region, or it is outside your area"},
    {"region_code_invalid", "区划代码格式错误：应为数字，%s",
     "Malformed region code: digits expected, %s"},
    {"region_code_child", "代码必须以上级代码 %s 开头并多 3 位数字",
     "The code must be the parent's code %s followed by 3 digits"},
    {"region_level_invalid", "层级应为 %s", "The level must be %s"},
    {"region_parent_level", "只能在乡镇/街道下建社区，在社区下建网格",
     "Communities go under a township/street, grids under a community"},
    {"region_parent_missing", "上级区划不存在或不在您的管辖范围内",
     "The parent region does not exist or is outside your area"},
    {"region_exists", "该区划代码已存在", "A region with this code already exists"},
    {"region_readonly", "省、市、县、乡镇区划来自国家统计用区划代码，不能在此修改",
     "Province to township regions come from the national code list and cannot be edited here"},
    /* capacity */
    {"phone_invalid", "电话号码格式不对：手机 11 位，座机如 0571-87654321",
     "Not a phone number: 11-digit mobile, or a landline such as 0571-87654321"},
    {"field_negative", "不能为负数", "Cannot be negative"},
    /* queue pillar */
    {"queue_clinic_not_found", "没有这个发热门诊，或不是您所在的门诊",
     "No such fever clinic, or not your clinic"},
    {"queue_ticket_not_found", "没有这张号，或不是您的号", "No such ticket, or not yours"},
    {"queue_transition", "这张号当前状态下不能这样操作（%s）",
     "This ticket cannot do that in its current state (%s)"},
    {"queue_counter_closed", "%s 号诊台未开放，请先开放诊台",
     "Counter %s is closed; open it first"},
    {"queue_counter_unknown", "没有这个诊台，请先开放它", "No such counter; open it first"},
    {"queue_empty", "现在没有候诊的号", "Nobody is waiting"},
    {"queue_clinic_inactive", "该门诊已停用", "This clinic is no longer in service"},
    {"queue_ticket_open", "您已有一张未完成的号（%s），请先使用或取消它",
     "You already hold an open ticket (%s); use or cancel it first"},
    {"queue_clinic_closed", "该门诊现在未开诊，下次开诊 %s；可去以下门诊",
     "This clinic is closed; it opens %s. Alternatives are listed"},
    {"queue_outside_province", "位置不在浙江省内", "The location is outside Zhejiang"},
    {"queue_lane_invalid", "没有这个优先通道", "No such priority lane"},
    {"queue_hours_format", "开诊时间应为 \"08:00-22:00\" 或 \"24h\"",
     "Hours must look like \"08:00-22:00\" or \"24h\""},
    {"queue_resident_cancel_only", "您只能取消自己的号", "You can only cancel your own ticket"},
    {"field_hours", "应为 \"08:00-22:00\" 或 \"24h\"", "Must be \"08:00-22:00\" or \"24h\""},
    {"cap_kind_invalid",
     "机构类型应为 hospital、fever_room_township、fever_room_community、vaccination_point、"
     "pharmacy、nursing_home、welfare_home、school、kindergarten、depot 之一",
     "Kind must be one of hospital, fever_room_township, fever_room_community, "
     "vaccination_point, pharmacy, nursing_home, welfare_home, school, kindergarten, depot"},
    {"cap_hospital_only", "只有医院有等级、类别和定点类型",
     "Only hospitals have a level, category and role"},
    {"cap_tertiary_category", "三级医院必须注明类别（综合、中医或专科）",
     "A tertiary hospital needs a category (general, TCM or specialty)"},
    {"cap_latlon_pair", "经度和纬度要一起填写", "Latitude and longitude go together"},
    {"cap_facility_not_found", "没有这个机构，或不在您的管辖范围内",
     "No such facility, or it is outside your area"},
    {"cap_facility_inactive", "该机构已停用，不再接收上报；如已恢复，请先重新启用",
     "This facility is deactivated and takes no reports; reactivate it first"},
    {"cap_not_hospital", "只有医院上报床位", "Only hospitals report beds"},
    {"cap_occupied_gt_open", "在用床位不能多于开放床位", "Occupied beds cannot exceed open beds"},
    {"cap_icu_gt_beds", "ICU 床位不能多于开放床位", "ICU beds cannot exceed open beds"},
    {"cap_icu_occupied_gt_icu", "ICU 在用不能多于 ICU 床位",
     "Occupied ICU beds cannot exceed ICU beds"},
    {"cap_icu_occupied_gt_occupied", "ICU 在用不能多于全部在用床位",
     "Occupied ICU beds cannot exceed all occupied beds"},
    {"cap_convertible_gt_beds", "ICU 加可转换 ICU 床位不能多于开放床位",
     "ICU plus convertible ICU beds cannot exceed open beds"},
    {"cap_24h_without_clinic", "没有发热门诊就不能 24 小时开诊",
     "A fever clinic cannot be open 24 h if there is none"},
    {"cap_visits_without_clinic", "没有发热门诊就不应有发热门诊就诊人次",
     "Fever-clinic visits need a fever clinic"},
    {"cap_date_future", "日期不能晚于今天（%s）", "The date cannot be after today (%s)"},
    {"cap_date_before_opened", "日期早于机构开业日期（%s）",
     "The date is before the facility opened (%s)"},
    {"cap_report_exists", "该日期已有报告：修改请带上 If-Match 版本号",
     "A report for this date exists; send If-Match with its version to correct it"},
    {"cap_report_missing", "该日期还没有报告，无需 If-Match",
     "No report for this date yet; drop If-Match"},
    {"cap_gap_icu", "缺 %s 张 ICU 床位", "short of %s ICU beds"},
    {"cap_gap_convertible", "缺 %s 张可转换 ICU 床位", "short of %s convertible ICU beds"},
    {"cap_gap_fever_24h", "发热门诊未 24 小时开诊", "no fever clinic open 24 h"},
    {"cap_gap_stale", "已 %s 天未上报", "no report for %s days"},
    {"cap_gap_never", "从未上报", "never reported"},
    {"cap_gap_beds", "缺 %s 张床位", "short of %s beds"},
    /* community */
    {"comm_person_exists", "该身份证号已登记（人员编号 %s）",
     "This ID number is already registered (person %s)"},
    {"comm_person_not_found", "没有这个人员，或不在您的管辖范围内",
     "No such person, or outside your area"},
    {"comm_episode_not_found", "没有这条隔离记录，或不在您的管辖范围内",
     "No such isolation entry, or outside your area"},
    {"comm_request_not_found", "没有这条诉求，或不在您的管辖范围内",
     "No such request, or outside your area"},
    {"comm_transfer_not_found", "没有这条转运记录，或不在您的管辖范围内",
     "No such transfer, or outside your area"},
    {"comm_id_format", "身份证号应为 18 位：17 位数字加 1 位数字或 X",
     "An ID number has 18 characters: 17 digits and a digit or X"},
    {"comm_id_date", "身份证号中的出生日期不存在或晚于今天",
     "The birth date in the ID number is impossible or after today"},
    {"comm_id_checksum", "身份证号校验位不对，请核对每一位",
     "The ID number's check digit is wrong; check every digit"},
    {"comm_birth_mismatch", "与身份证号中的出生日期（%s）不符",
     "Does not match the birth date in the ID number (%s)"},
    {"comm_sex_mismatch", "与身份证号中的性别（%s）不符",
     "Does not match the sex in the ID number (%s)"},
    {"comm_from_id", "出生日期和性别来自身份证号，不能单独修改",
     "Birth date and sex come from the ID number and cannot be changed on their own"},
    {"comm_grid_level", "应为 15 位的网格代码", "Must be a 15-digit grid code"},
    {"comm_due_not_pregnant", "只有孕产妇才有预产期", "Only a pregnant woman has a due date"},
    {"comm_pregnant_male", "身份证号显示为男性", "The ID number is a man's"},
    {"comm_code_unknown", "不认识的代码（%s）", "Unknown code (%s)"},
    {"comm_episode_open", "此人已有一条进行中的居家隔离记录（编号 %s）",
     "This person already has an open isolation entry (%s)"},
    {"comm_end_before_start", "不能早于隔离开始日期（%s）", "Cannot be before the start date (%s)"},
    {"comm_episode_closed", "这条隔离记录已结束（%s）", "This isolation entry is closed (%s)"},
    {"comm_end_needs_status", "结束日期要和状态（recovered 或 ended）一起提交",
     "An end date goes with a status (recovered or ended)"},
    {"comm_end_range", "结束日期应在隔离开始（%s）和今天之间",
     "The end date must be between the start (%s) and today"},
    {"comm_at_future", "随访时间不能晚于现在（%s）", "A follow-up cannot be in the future (%s)"},
    {"comm_at_before_start", "随访时间早于隔离开始日期（%s）",
     "The follow-up is before the isolation started (%s)"},
    {"comm_at_after_end", "随访时间晚于隔离结束时间（%s）",
     "The follow-up is after the isolation ended (%s)"},
    {"comm_time_format", "时间格式应为 2022-12-28T09:30 或带时区",
     "Must be a time like 2022-12-28T09:30, optionally with a zone"},
    {"comm_followup_empty", "请至少填写体温、血氧、症状或备注之一",
     "Record at least a temperature, SpO2, a symptom or a note"},
    {"comm_me_register", "请先填写本人身份证号、姓名和电话完成登记",
     "Register first: your ID number, name and phone"},
    {"comm_me_no_grid", "您的账号没有绑定网格，请联系社区",
     "Your login has no grid; ask your community"},
    {"comm_req_resident_cancel", "居民只能撤销自己的诉求", "A resident can only cancel a request"},
    {"comm_req_transition", "当前状态（%s）下不能这样改",
     "Not possible from the current status (%s)"},
    {"comm_req_close_note", "办结需要填写处理说明", "Closing a request needs a note"},
    {"comm_green_needs_red", "绿色通道只用于红色分级的重症（当前：%s）",
     "The green channel is for red-grade severe cases (now: %s)"},
    {"comm_hospital_unknown", "没有这家医院或它没有床位上报",
     "No such hospital, or it has no bed report"},
    {"comm_not_designated", "普通转运只能去定点或亚定点医院；重症请走绿色通道",
     "An ordinary transfer goes to a designated or sub-designated hospital; use the green channel "
     "for a severe case"},
    {"comm_no_free_bed", "该医院已无空余%s床位，请选择其他医院",
     "This hospital has no free %s bed left; choose another"},
    {"comm_transfer_open", "这条隔离记录已有进行中的转运（编号 %s）",
     "This entry already has an active transfer (%s)"},
    {"comm_transfer_transition", "当前状态（%s）下不能这样改",
     "Not possible from the current status (%s)"},
    {"comm_transfer_decline_note", "拒收需要说明原因", "Declining needs a reason"},
    /* supply pillar */
    {"supply_not_batched", "该物资不按批号管理，不要填写批号或有效期",
     "This item is not tracked by batch; leave batch and expiry out"},
    {"supply_batch_unknown", "没有这个批号（%s）：新批号入库请同时填写有效期",
     "Unknown batch (%s): a new batch needs its expiry date"},
    {"supply_expiry_mismatch", "该批号已登记的有效期是 %s",
     "This batch is recorded as expiring %s"},
    {"supply_expiry_past", "有效期已过（应不早于 %s）", "Already expired (must be %s or later)"},
    {"supply_expiry_shelf", "剩余效期不足，有效期应不早于 %s",
     "Too short a shelf life: the expiry must be %s or later"},
    {"supply_insufficient", "库存不足，现有 %s", "Not enough stock: %s on hand"},
    {"supply_site_unknown", "没有这个站点，或不在您的管辖范围内",
     "No such site, or it is outside your area"},
    {"supply_site_forbidden", "您只能操作本单位的库存",
     "You can only move your own facility's stock"},
    {"supply_item_unknown", "物资目录中没有这个物资", "No such item in the catalogue"},
    {"supply_reason_required", "盘点调整必须写明原因", "A stock adjustment needs a reason"},
    {"supply_same_site", "调出和调入不能是同一站点", "A transfer needs two different sites"},
    {"supply_plan_failed", "调度计划求解失败", "The dispatch plan could not be solved"},
    {"supply_plan_not_found", "没有这个调度计划，或不在您的管辖范围内",
     "No such dispatch plan, or it is outside your area"},
    {"supply_plan_not_proposed", "计划已是“%s”状态，不能再修改或批准",
     "The plan is already %s; it cannot be edited or approved"},
    {"supply_line_not_found", "计划中没有这一行", "No such line in this plan"},
    {"supply_plan_stale", "计算计划后库存已变化：请重新计算后再批准",
     "Stock has moved since the plan was computed: recompute it, then approve"},
    {"supply_shipment_not_found", "没有这个调拨单，或不在您的管辖范围内",
     "No such shipment, or it is outside your area"},
    {"supply_receive_range", "收货数量超出未到数量（%s）", "More than is still in transit (%s)"},
    /* imports and spreadsheets */
    {"import_empty", "文件为空：第一行是表头，下面每行一个机构",
     "The file is empty: a header row, then one facility per row"},
    {"import_unknown_column", "不认识的列名，请用导出文件的表头",
     "Unknown column; use the headers of an exported file"},
    {"import_missing_column", "缺少必需的列（%s）", "A required column is missing (%s)"},
    {"import_csv_malformed", "CSV 格式错误（第 %s 行附近），请检查引号",
     "Malformed CSV near line %s; check the quotes"},
    {"import_not_utf8", "文件不是 UTF-8 编码：请在 Excel 中另存为“CSV UTF-8”",
     "The file is not UTF-8 text: save it as \"CSV UTF-8\""},
    {"import_too_many_rows", "一次最多导入 %s 行，请分批",
     "At most %s rows per import; split the file"},
    {"import_duplicate_row", "与第 %s 行重复", "Duplicates row %s"},
    {"import_exists", "已有同名同类机构（编号 %s）",
     "A facility of this kind and name exists (id %s)"},
    {"import_rejected", "有错误的行，未导入任何数据；改正后重试，或用 skip_bad=1 跳过错误行",
     "Some rows have errors, nothing was imported; fix them, or use skip_bad=1 to skip them"},
    {"xlsx_not_zip", "不是有效的 XLSX 文件", "Not a valid XLSX file"},
    {"xlsx_bad_part", "XLSX 文件损坏（%s）", "The XLSX file is damaged (%s)"},
    {"xlsx_too_big", "XLSX 文件过大", "The XLSX file is too large"},
    {NULL, NULL, NULL},
};

const char *msg_text(const char *lang, const char *key)
{
    if (!key)
        return "";
    for (const struct msg *m = msgs; m->key; m++)
        if (strcmp(m->key, key) == 0)
            return strcmp(lang, "en") == 0 ? m->en : m->zh;
    return key; /* a missing translation shows the key rather than nothing */
}

void msg_format(char *out, size_t cap, const char *lang, const char *key, const char *arg)
{
    if (cap == 0)
        return;
    const char *t = msg_text(lang, key);
    size_t o = 0;
    unsigned char cut = 0; /* the first byte that did not fit; 0 when all fit */
    for (const char *p = t; *p && !cut; p++) {
        if (p[0] == '%' && p[1] == 's') {
            for (const char *a = arg ? arg : ""; *a && !cut; a++) {
                if (o + 1 < cap)
                    out[o++] = *a;
                else
                    cut = (unsigned char)*a;
            }
            p++;
        } else if (o + 1 < cap) {
            out[o++] = *p;
        } else {
            cut = (unsigned char)*p;
        }
    }
    /* never end inside a UTF-8 sequence (the text goes into JSON): when the
     * first byte left out continues a character, drop that character's start */
    if ((cut & 0xC0) == 0x80) {
        while (o && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
            o--;
        if (o && ((unsigned char)out[o - 1] & 0xC0) == 0xC0)
            o--;
    }
    out[o] = '\0';
}
