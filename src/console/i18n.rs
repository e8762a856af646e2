//! Vietnamese and English for every page: the language a request wants (a `?lang=` link, the
//! sticky `lang` cookie, then `Accept-Language`) and the words in it. It never renders a page.
//! One table on purpose, past 400 lines: a translator finds every phrase of both languages in
//! one file, each on one line.

use poem::Request;
use serde::Serialize;

use super::session::cookie;

/// The languages the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Vi,
    En,
}

/// Cookie that keeps the language a person picked with the switch.
pub(crate) const LANG_COOKIE: &str = "lang";

impl Lang {
    /// The BCP 47 code, for `<html lang>` and the cookie.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// A language tag (`vi`, `en-US`, `vi_VN`) if it is one the pages speak.
    pub(crate) fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// What this request should be answered in. Vietnamese is the default: the shops this is
    /// made for are Vietnamese, and a browser that asks for neither language gets it.
    pub(crate) fn of(req: &Request) -> Lang {
        let query = req.uri().query().unwrap_or("");
        let asked = query
            .split('&')
            .find_map(|p| p.strip_prefix("lang="))
            .and_then(Lang::parse);
        asked
            .or_else(|| cookie(req, LANG_COOKIE).and_then(|v| Lang::parse(&v)))
            .or_else(|| {
                req.header("accept-language")
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or(Lang::Vi)
    }

    /// The supported language with the highest `q` in an `Accept-Language` header.
    pub(crate) fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::parse) else {
                continue;
            };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l)
    }

    /// The words of this language.
    pub(crate) fn strings(self) -> &'static Strings {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
}

// One line per phrase, both languages side by side, so a translation can never go missing:
// the macro makes a struct field of each key, and a missing language is a compile error.
macro_rules! phrases {
    ($($key:ident: $vi:literal, $en:literal;)*) => {
        /// Every phrase of the pages in one language. Templates read fields (`t.sign_in`);
        /// browser scripts get the same table as JSON in the `data-i18n` attribute.
        #[derive(Debug, Serialize)]
        pub(crate) struct Strings {
            $(pub $key: &'static str,)*
        }
        static VI: Strings = Strings { $($key: $vi,)* };
        static EN: Strings = Strings { $($key: $en,)* };
    };
}

phrases! {
    nav_desk: "Bàn trực", "Desk";
    nav_dashboard: "Tổng quan", "Dashboard";
    nav_sessions: "Phiên tư vấn", "Sessions";
    nav_rooms: "Phòng chat", "Rooms";
    nav_users: "Người dùng", "Users";
    sign_out: "Đăng xuất", "Sign out";
    role_customer: "Khách hàng", "Customer";
    role_staff: "Nhân viên", "Staff";
    role_admin: "Quản trị viên", "Admin";
    status_open: "Đang chờ", "Waiting";
    status_in_progress: "Đang tư vấn", "In progress";
    status_ended: "Đã kết thúc", "Ended";
    login_title: "Đăng nhập bàn trực", "Sign in to the desk";
    login_lead: "Dành cho nhân viên và quản trị viên của cửa hàng.", "For the shop's staff and admins.";
    user_name: "Tên đăng nhập", "Username";
    password: "Mật khẩu", "Password";
    sign_in: "Đăng nhập", "Sign in";
    err_credentials: "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.";
    err_deactivated: "Tài khoản này đã bị vô hiệu hoá. Hãy liên hệ quản trị viên.", "This account has been deactivated. Ask an admin to reactivate it.";
    err_customer: "Trang này chỉ dành cho nhân viên. Khách hàng vui lòng trò chuyện với chúng tôi tại trang chat.", "This sign-in is for staff and admins only. Customers can chat with us on the chat page.";
    go_to_chat: "Mở trang chat", "Open the chat page";
    err_rate_limited: "Quá nhiều lần thử. Vui lòng đợi vài phút rồi thử lại.", "Too many attempts. Please wait a few minutes and try again.";
    signed_out: "Bạn đã đăng xuất.", "You have signed out.";
    forbidden_title: "Không có quyền truy cập", "Access denied";
    forbidden_admin: "Trang này chỉ dành cho quản trị viên.", "This page is for admins only.";
    forbidden_csrf: "Yêu cầu bị từ chối vì mã bảo mật của biểu mẫu bị thiếu hoặc sai. Hãy tải lại trang rồi thử lại.", "The request was refused: the form's security token is missing or wrong. Reload the page and try again.";
    not_found_title: "Không tìm thấy", "Not found";
    not_found_text: "Trang hoặc mục bạn tìm không tồn tại.", "The page or item you are looking for does not exist.";
    back_to_desk: "Về bàn trực", "Back to the desk";
    error_generic: "Đã có lỗi xảy ra. Vui lòng thử lại.", "Something went wrong. Please try again.";
    waiting_sessions: "Phiên đang chờ", "Waiting sessions";
    unassigned_rooms: "Phòng chưa có người phụ trách", "Unassigned rooms";
    my_rooms: "Phòng của tôi", "My rooms";
    assigned_rooms: "Phòng đã giao", "Assigned rooms";
    empty_queue: "Không có ai đang chờ.", "No one is waiting.";
    empty_unassigned: "Không có phòng nào.", "No unassigned rooms.";
    empty_my_rooms: "Chưa có phòng nào.", "No rooms yet.";
    claim: "Nhận", "Claim";
    claimed_by: "Phiên này đã được {name} nhận.", "This session was already claimed by {name}.";
    notify_enable: "Bật thông báo", "Enable notifications";
    notify_on: "Đã bật thông báo", "Notifications on";
    notify_blocked: "Trình duyệt đang chặn thông báo", "The browser blocks notifications";
    sound_on_new: "Âm báo khi có phiên mới", "Sound on a new session";
    new_session: "Phiên mới: {title}", "New session: {title}";
    pick_room: "Chọn một phiên hoặc một phòng để bắt đầu trò chuyện.", "Pick a session or a room to start chatting.";
    no_session: "Không có phiên đang mở", "No open session";
    end_session: "Kết thúc phiên", "End session";
    end_confirm: "Kết thúc phiên này?", "End this session?";
    leave: "Rời phòng", "Leave";
    send: "Gửi", "Send";
    message_placeholder: "Nhập tin nhắn…", "Type a message…";
    load_older: "Tải tin nhắn cũ hơn", "Load older messages";
    typing: "{name} đang nhập…", "{name} is typing…";
    joined: "{name} đã tham gia cuộc trò chuyện", "{name} joined the conversation";
    left: "{name} đã rời cuộc trò chuyện", "{name} left the conversation";
    session_ended: "Phiên đã kết thúc", "The session has ended";
    other_sessions: "Các phiên của khách", "Customer's sessions";
    no_messages: "Chưa có tin nhắn.", "No messages yet.";
    assigned_to: "Phụ trách", "Assigned to";
    unassigned: "Chưa giao", "Unassigned";
    reassigned_away: "Phòng này vừa được giao cho người khác.", "This room was just assigned to someone else.";
    back: "Quay lại", "Back";
    reconnecting: "Mất kết nối, đang kết nối lại…", "Connection lost, reconnecting…";
    not_sent: "Chưa gửi được: {reason}", "Not sent: {reason}";
    customer: "Khách hàng", "Customer";
    topic: "Chủ đề", "Topic";
    status: "Trạng thái", "Status";
    staff: "Nhân viên", "Staff";
    none: "—", "—";
    just_now: "vừa xong", "just now";
    minutes: "{n} phút", "{n} min";
    hours: "{n} giờ", "{n} h";
    days: "{n} ngày", "{n} d";
    seconds: "{n} giây", "{n} s";
    dash_title: "Tổng quan", "Dashboard";
    fig_waiting: "Đang chờ", "Waiting now";
    fig_longest: "Chờ lâu nhất", "Longest wait";
    fig_today: "Phiên hôm nay", "Sessions today";
    fig_first_reply: "Phản hồi đầu tiên (trung vị, 14 ngày)", "First staff reply (median, 14 days)";
    fig_length: "Thời lượng phiên (trung vị, 14 ngày)", "Session length (median, 14 days)";
    fig_rating: "Đánh giá (14 ngày)", "Rating (14 days)";
    fig_after_hours: "Mở ngoài giờ (14 ngày)", "Opened after hours (14 days)";
    after_hours: "Ngoài giờ", "After hours";
    load_title: "Khối lượng theo nhân viên", "Load per staff member";
    col_active: "Đang tư vấn", "In progress";
    col_rooms: "Phòng phụ trách", "Rooms";
    col_handled: "Phiên (14 ngày)", "Sessions (14 days)";
    chart_title: "Số phiên trong 14 ngày qua", "Sessions in the last 14 days";
    chart_label: "Biểu đồ cột số phiên mỗi ngày", "Bar chart of sessions per day";
    live: "Trực tiếp", "Live";
    any: "Tất cả", "Any";
    filter_from: "Từ ngày", "From";
    filter_to: "Đến ngày", "To";
    filter_apply: "Lọc", "Filter";
    filter_reset: "Xoá bộ lọc", "Clear";
    col_started: "Bắt đầu", "Started";
    col_claimed: "Nhận lúc", "Claimed";
    col_ended: "Kết thúc", "Ended";
    col_messages: "Tin nhắn", "Messages";
    results: "kết quả", "results";
    prev_page: "Trang trước", "Previous";
    next_page: "Trang sau", "Next";
    open_room: "Mở phòng", "Open room";
    no_results: "Không có kết quả phù hợp.", "Nothing matches.";
    col_room: "Phòng", "Room";
    col_last_activity: "Hoạt động gần nhất", "Last activity";
    col_active_session: "Phiên hiện tại", "Active session";
    reassign: "Giao lại", "Reassign";
    assigned_ok: "Đã giao phòng.", "Room reassigned.";
    create_user: "Tạo người dùng", "Create user";
    first_name: "Tên", "First name";
    last_name: "Họ", "Last name";
    role: "Vai trò", "Role";
    create: "Tạo", "Create";
    save: "Lưu", "Save";
    col_name: "Họ tên", "Name";
    active: "Đang hoạt động", "Active";
    inactive: "Đã vô hiệu hoá", "Deactivated";
    edit: "Sửa", "Edit";
    deactivate: "Vô hiệu hoá", "Deactivate";
    activate: "Kích hoạt", "Activate";
    deactivate_confirm: "Vô hiệu hoá tài khoản này? Người dùng sẽ bị đăng xuất ngay.", "Deactivate this account? The user is signed out at once.";
    reset_password: "Đặt lại mật khẩu", "Reset password";
    new_password: "Mật khẩu mới (ít nhất 8 ký tự)", "New password (at least 8 characters)";
    created_ok: "Đã tạo người dùng.", "User created.";
    saved_ok: "Đã lưu.", "Saved.";
    password_ok: "Đã đặt lại mật khẩu; người dùng đã bị đăng xuất.", "Password reset; the user was signed out.";
    deactivated_ok: "Đã vô hiệu hoá tài khoản; người dùng đã bị đăng xuất.", "Account deactivated; the user was signed out.";
    activated_ok: "Đã kích hoạt lại tài khoản.", "Account reactivated.";
    search: "Tìm", "Search";
    edit_user: "Sửa người dùng", "Edit user";
    could_not_save: "Không lưu được:", "Could not save:";
    created_at: "Ngày tạo", "Created";
    chat_title: "Hỗ trợ khách hàng", "Customer support";
    home_text: "Cần giúp đỡ? Trò chuyện trực tiếp với cửa hàng.", "Need help? Chat with the shop live.";
    home_chat: "Trò chuyện với chúng tôi", "Chat with us";
    home_staff: "Nhân viên đăng nhập", "Staff sign-in";
    home_api: "Tài liệu API cho nhà phát triển", "API documentation for developers";
    chat_welcome: "Xin chào! Cho chúng tôi biết tên của bạn để bắt đầu trò chuyện.", "Hello! Tell us your name to start chatting with us.";
    guest_start: "Bắt đầu trò chuyện", "Start chatting";
    guest_email: "Email", "E-mail";
    guest_phone: "Số điện thoại", "Phone";
    field_required: "(bắt buộc)", "(required)";
    field_optional: "(không bắt buộc)", "(optional)";
    have_account: "Tôi đã có tài khoản", "I have an account";
    chat_as_guest: "Trò chuyện không cần tài khoản", "Chat without an account";
    not_me: "Không phải tôi", "Not me";
    guest_as: "Bạn đang trò chuyện với tên {name}.", "You're chatting as {name}.";
    rate_title: "Bạn thấy buổi tư vấn thế nào?", "How was this chat?";
    rate_stars: "Chọn số sao", "Your rating";
    star_1: "1 sao", "1 star";
    star_2: "2 sao", "2 stars";
    star_3: "3 sao", "3 stars";
    star_4: "4 sao", "4 stars";
    star_5: "5 sao", "5 stars";
    rate_comment: "Góp ý (không bắt buộc)", "Comment (optional)";
    rate_send: "Gửi đánh giá", "Send rating";
    rate_skip: "Để sau", "Not now";
    rate_pick: "Hãy chọn từ 1 đến 5 sao.", "Pick 1 to 5 stars.";
    rate_thanks: "Cảm ơn bạn đã đánh giá!", "Thank you for your rating!";
    rating_label: "Đánh giá của khách", "Customer rating";
    sign_up: "Tạo tài khoản", "Create account";
    get_help: "Tư vấn", "Get help";
    pick_topic: "Bạn cần hỗ trợ về việc gì?", "What do you need help with?";
    topic_order: "Đơn hàng", "My order";
    topic_shipping: "Giao hàng", "Shipping";
    topic_returns: "Đổi trả", "Returns";
    topic_product: "Sản phẩm", "A product";
    topic_placeholder: "Hoặc nhập chủ đề khác…", "Or type another topic…";
    start: "Bắt đầu", "Start";
    cancel: "Huỷ", "Cancel";
    waiting_staff: "Đang chờ nhân viên tư vấn…", "Waiting for a staff member…";
    with_staff: "Đang trò chuyện với {name}", "Chatting with {name}";
    ended_help_again: "Phiên đã kết thúc. Bạn có thể yêu cầu tư vấn mới bất cứ lúc nào.", "This session has ended. You can ask for help again at any time.";
    sending: "Đang gửi…", "Sending…";
    attach: "Đính kèm tệp", "Attach a file";
    away: "Tạm vắng", "Away";
    privacy_title: "Dữ liệu cá nhân", "Personal data";
    privacy_export: "Tải dữ liệu của khách (JSON)", "Download the customer's data (JSON)";
    erase_hint: "Xoá vĩnh viễn tên, email, số điện thoại, nội dung tin nhắn và tệp của khách. Không thể hoàn tác; tài khoản không đăng nhập được nữa.", "Erases the customer's names, e-mail, phone, message text and files for good. This cannot be undone; the account can never sign in again.";
    erase_confirm_label: "Gõ tên đăng nhập của khách để xác nhận", "Type the customer's user name to confirm";
    erase: "Xoá vĩnh viễn", "Erase for good";
    erase_mismatch: "Tên đăng nhập gõ vào không khớp; chưa xoá gì.", "The user name typed does not match; nothing was erased.";
    erased_ok: "Đã xoá dữ liệu cá nhân của khách.", "The customer's personal data was erased.";
    erased_note: "Dữ liệu cá nhân của tài khoản này đã bị xoá.", "This account's personal data was erased.";
    fig_within_target: "Phản hồi đúng hạn (14 ngày)", "Answered within target (14 days)";
    away_hint: "Khi tạm vắng, bạn không được tự động giao phiên mới.", "While away, no new chats are routed to you.";
    away_failed: "Không đổi được trạng thái: {reason}", "Could not change your status: {reason}";
    transfer: "Chuyển", "Transfer";
    transfer_title: "Chuyển cuộc trò chuyện cho đồng nghiệp", "Transfer this chat to a colleague";
    transfer_to: "Chuyển cho", "Transfer to";
    transfer_note: "Ghi chú cho đồng nghiệp (không bắt buộc)", "Note for your colleague (optional)";
    transfer_none: "Không có đồng nghiệp nào khác.", "There is no other colleague.";
    state_online: "trực tuyến", "online";
    state_away: "tạm vắng", "away";
    state_offline: "ngoại tuyến", "offline";
    chats_held: "phiên đang giữ", "chats held";
    transferred_ok: "Đã chuyển cuộc trò chuyện.", "Chat transferred.";
    transfer_failed: "Không chuyển được: {reason}", "Could not transfer: {reason}";
    transferred_to_you: "{name} đã chuyển cho bạn một cuộc trò chuyện.", "{name} transferred a chat to you.";
    private_note: "Ghi chú nội bộ", "Private note";
    note_failed: "Không lưu được ghi chú: {reason}", "Could not save the note: {reason}";
    note_hint: "Bắt đầu bằng /note để viết ghi chú nội bộ (khách không thấy).", "Start with /note to write a private note (the customer never sees it).";
    transferred_new: "Bạn vừa được chuyển một cuộc trò chuyện.", "A chat was transferred to you.";
    transferred_note: "Ghi chú: {note}", "Note: {note}";
    transferred_away: "Cuộc trò chuyện này đã được chuyển cho đồng nghiệp.", "This chat was transferred to a colleague.";
    wait_near: "sắp quá hạn", "due soon";
    wait_over: "quá hạn phản hồi", "past the reply target";
    files_label: "Tệp sắp gửi", "Files to send";
    file: "tệp", "file";
    uploading: "Đang tải lên {name}", "Uploading {name}";
    remove_file: "Bỏ {name}", "Remove {name}";
    upload_failed: "Không tải lên được {name}: {reason}", "Could not upload {name}: {reason}";
    wait_uploads: "Đợi tệp tải lên xong rồi gửi.", "Wait for the files to finish uploading, then send.";
    open_full: "Mở ảnh {name} cỡ đầy đủ", "Open {name} full size";
    connected: "Đã kết nối", "Connected";
    you: "Bạn", "You";
    nav_settings: "Cài đặt", "Settings";
    settings_title: "Cài đặt cửa hàng", "Shop settings";
    set_section_page: "Trang chat của khách", "The customer page";
    set_section_hours: "Giờ làm việc", "Business hours";
    set_section_desk: "Bàn trực", "The desk";
    set_shop_name: "Tên cửa hàng", "Shop name";
    set_welcome: "Lời chào", "Welcome text";
    set_topics: "Chủ đề (mỗi dòng một chủ đề)", "Topics (one per line)";
    set_default_hint: "Để trống để dùng nội dung mặc định của trang.", "Leave empty for the page's own text.";
    set_prechat: "Thông tin hỏi trước khi chat", "Pre-chat form";
    set_email: "Email", "Email";
    set_phone: "Số điện thoại", "Phone";
    rule_hidden: "Không hỏi", "Hidden";
    rule_optional: "Không bắt buộc", "Optional";
    rule_required: "Bắt buộc", "Required";
    set_timezone: "Múi giờ (IANA)", "Time zone (IANA)";
    set_hours_hint: "Mỗi ngày một hoặc nhiều khoảng, ví dụ 09:00-12:00, 13:30-17:30. Để trống là nghỉ; 00:00-24:00 là cả ngày.", "One or more intervals a day, e.g. 09:00-12:00, 13:30-17:30. Empty means closed; 00:00-24:00 is all day.";
    set_closed: "Nghỉ", "Closed";
    set_offline_message: "Thông báo ngoài giờ làm việc", "Offline message";
    set_max_chats: "Số phiên tối đa mỗi nhân viên (0 = không giới hạn)", "Max chats per staff member (0 = no cap)";
    set_routing: "Phân phiên", "Routing";
    routing_manual: "Nhân viên tự nhận", "Manual: staff claim from the queue";
    routing_auto: "Tự động giao cho người ít việc nhất", "Auto: to the least busy staff member";
    set_auto_end: "Tự kết thúc phiên sau số phút không có tin nhắn (0 = không bao giờ)", "End a session after this many idle minutes (0 = never)";
    set_first_reply: "Mục tiêu phản hồi đầu tiên (giây)", "First-reply target (seconds)";
    set_ratings: "Mời khách đánh giá phiên đã kết thúc", "Ask customers to rate a session that ended";
    nothing_saved: "Chưa có gì được lưu.", "Nothing was saved.";
    err_whole_number: "phải là một số nguyên không âm", "must be a whole number";
    err_choice: "phải là một trong các lựa chọn của biểu mẫu", "must be one of the form's choices";
    err_hours_entry: "“{entry}” không phải khoảng giờ dạng 09:00-17:00", "“{entry}” is not an interval such as 09:00-17:00";
    day_mon: "Thứ Hai", "Monday";
    day_tue: "Thứ Ba", "Tuesday";
    day_wed: "Thứ Tư", "Wednesday";
    day_thu: "Thứ Năm", "Thursday";
    day_fri: "Thứ Sáu", "Friday";
    day_sat: "Thứ Bảy", "Saturday";
    day_sun: "Chủ Nhật", "Sunday";
    offline_default: "Hiện chúng tôi đang ngoài giờ làm việc.", "We're closed right now.";
    offline_next: "Mở cửa lại: {when}", "We open again: {when}";
    search_label: "Tìm trong tin nhắn", "Search messages";
    search_placeholder: "Tìm tin nhắn…", "Search messages…";
    search_button: "Tìm", "Search";
    search_results: "Kết quả tìm kiếm", "Search results";
    search_none: "Không tìm thấy tin nhắn nào.", "No messages found.";
    search_more: "Thêm kết quả", "More results";
    search_clear: "Đóng tìm kiếm", "Close search";
    found_message: "Tin nhắn tìm thấy", "Found message";
    transcript: "Bản ghi", "Transcript";
    transcript_room: "Bản ghi cả phòng", "The room's transcript";
    transcript_of_session: "Bản ghi phiên", "Transcript of the session";
    offline_queue: "Bạn vẫn có thể bắt đầu trò chuyện: chúng tôi sẽ trả lời khi mở cửa.", "You can still start a chat: we'll answer when we open.";
    nav_webhooks: "Webhook", "Webhooks";
    wh_lead: "Frontdesk gửi các thay đổi đến hệ thống khác của cửa hàng (CRM, quản lý đơn hàng) bằng yêu cầu HTTP POST có chữ ký.", "Frontdesk tells the shop's other systems (CRM, order system) about changes with signed HTTP POST requests.";
    wh_none: "Chưa có webhook nào.", "No webhooks yet.";
    wh_url: "Địa chỉ URL", "URL";
    wh_events: "Sự kiện", "Events";
    wh_state: "Trạng thái", "State";
    wh_on: "Đang bật", "Enabled";
    wh_off: "Đã tắt", "Disabled";
    wh_open: "Xem", "Open";
    wh_add: "Thêm webhook", "Add a webhook";
    wh_secret: "Khoá bí mật", "Secret";
    wh_secret_hint: "Để trống để tạo ngẫu nhiên (khuyên dùng).", "Leave empty to generate one (recommended).";
    wh_secret_use: "Bên nhận dùng khoá này để kiểm tra chữ ký Frontdesk-Signature.", "The receiver checks the Frontdesk-Signature header with this secret.";
    wh_created_ok: "Đã thêm webhook. Hãy sao chép khoá bí mật vào hệ thống nhận.", "Webhook added. Copy its secret into the receiving system.";
    wh_deleted_ok: "Đã xoá webhook.", "Webhook deleted.";
    wh_enabled_ok: "Đã bật webhook.", "Webhook enabled.";
    wh_disabled_ok: "Đã tắt webhook: sự kiện mới sẽ không được gửi.", "Webhook disabled: new events are not sent.";
    wh_test_ok: "Đã xếp sự kiện thử vào hàng gửi.", "Test event queued.";
    wh_retry_ok: "Sẽ gửi lại ngay.", "It will be sent again now.";
    wh_send_test: "Gửi sự kiện thử", "Send a test event";
    wh_disable: "Tắt", "Disable";
    wh_enable: "Bật", "Enable";
    wh_delete: "Xoá webhook", "Delete webhook";
    wh_delete_confirm: "Xoá webhook này cùng mọi lần gửi của nó?", "Delete this webhook and all its deliveries?";
    wh_deliveries: "Các lần gửi", "Deliveries";
    wh_no_deliveries: "Chưa có lần gửi nào.", "No deliveries yet.";
    wh_refresh: "Tải lại", "Refresh";
    wh_delivery: "Mã gửi", "Delivery";
    wh_attempts: "Số lần thử", "Attempts";
    wh_last_code: "Mã phản hồi", "Last code";
    wh_next_attempt: "Thử lại lúc", "Next attempt";
    wh_retry: "Gửi lại ngay", "Retry now";
    wh_pending: "Đang chờ gửi", "Pending";
    wh_delivered: "Đã gửi", "Delivered";
    wh_failed: "Thất bại", "Failed";
    wh_back: "Tất cả webhook", "All webhooks";
    labels: "Nhãn", "Labels";
    label_filter: "Nhãn", "Label";
    label_add: "Thêm nhãn", "Add a label";
    label_remove: "Bỏ nhãn", "Remove label";
    label_hint: "Nhấn Enter để thêm; tối đa 10 nhãn.", "Press Enter to add; at most 10 labels.";
    nav_canned: "Trả lời mẫu", "Canned replies";
    canned_lead: "Trên bàn làm việc, gõ / rồi lối tắt để chèn câu trả lời mẫu. {firstName} được thay bằng tên khách.", "On the desk, type / and a shortcut to insert a canned reply. {firstName} is replaced by the customer's first name.";
    canned_none: "Chưa có câu trả lời mẫu nào.", "No canned replies yet.";
    canned_shortcut: "Lối tắt", "Shortcut";
    canned_content: "Nội dung", "Content";
    canned_add: "Thêm câu trả lời mẫu", "Add a canned reply";
    canned_save: "Lưu", "Save";
    canned_delete: "Xoá", "Delete";
    canned_picker: "Câu trả lời mẫu", "Canned replies";
    canned_saved_ok: "Đã lưu câu trả lời mẫu.", "Canned reply saved.";
    canned_deleted_ok: "Đã xoá câu trả lời mẫu.", "Canned reply deleted.";
    mail_link: "Thông báo e-mail", "E-mail alerts";
    mail_title: "Thông báo qua e-mail", "E-mail notifications";
    mail_lead: "Nhận e-mail khi có khách chờ quá lâu mà chưa ai nhận phiên.", "Get an e-mail when a customer has waited too long and nobody has claimed the chat.";
    mail_off: "Máy chủ này chưa cấu hình gửi e-mail (--smtp-url), nên hiện chưa gửi thư nào. Bạn vẫn có thể lưu lựa chọn cho sau này.", "This server has no e-mail set up (--smtp-url), so no e-mail is sent for now. You can still save your choice for later.";
    mail_shop_off: "Cửa hàng đang tắt cảnh báo chờ (quản trị viên đặt số phút chờ trong cài đặt).", "The shop has waiting alerts turned off (an admin sets the wait in the settings).";
    mail_shop_wait: "Cảnh báo được gửi khi một phiên chờ quá số phút sau:", "An alert is sent when a session has waited longer than this many minutes:";
    mail_address: "Địa chỉ e-mail", "E-mail address";
    mail_waiting: "Gửi cho tôi e-mail khi có khách chờ quá lâu", "E-mail me when a customer waits too long";
    mail_saved: "Đã lưu lựa chọn thông báo.", "Your notification choices are saved.";
    mail_need_address: "Hãy nhập địa chỉ e-mail để nhận cảnh báo. Chưa có gì thay đổi.", "Enter an e-mail address to get alerts. Nothing was changed.";
    mail_bad_address: "Địa chỉ e-mail không hợp lệ. Chưa có gì thay đổi.", "That is not an e-mail address. Nothing was changed.";
    set_section_mail: "E-mail", "E-mail";
    set_mail_wait: "Báo nhân viên qua e-mail khi khách chờ quá (phút, 0 = tắt)", "E-mail staff when a customer has waited (minutes, 0 = off)";
    set_mail_language: "Ngôn ngữ của e-mail", "Language of the e-mails";
    set_mail_hint: "Cần máy chủ cấu hình --smtp-url. Nhân viên tự bật nhận cảnh báo ở mục Thông báo e-mail trên bàn trực.", "Needs the server's --smtp-url. Staff turn alerts on for themselves under E-mail alerts on the desk.";
    lang_vi: "Tiếng Việt", "Vietnamese";
    lang_en: "Tiếng Anh", "English";
    mail_transcript: "Gửi nội dung qua e-mail", "E-mail me the transcript";
    mail_transcript_sent: "Đã gửi nội dung cuộc trò chuyện tới {address}.", "The transcript is on its way to {address}.";
    mail_transcript_no_address: "Chúng tôi chưa có địa chỉ e-mail của bạn nên không gửi được.", "We have no e-mail address for you, so it cannot be sent.";
    mail_transcript_limited: "Bạn vừa yêu cầu rồi. Vui lòng thử lại sau ít phút.", "You asked a moment ago. Please try again in a few minutes.";
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, vi;q=0.8"),
            Some(Lang::Vi)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(
            Lang::from_accept_language("vi;q=0, en;q=0.1"),
            Some(Lang::En)
        );
    }
}
