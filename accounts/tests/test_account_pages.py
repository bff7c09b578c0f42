"""A user's own account: who they are in the system, and changing their password."""

from django.urls import reverse


def test_profile_shows_department_role_and_the_battles_an_office_reviews(client, office_dev, django_assert_num_queries):
    client.force_login(office_dev)
    # session, user, office battles, battles + plans; base.html: department, unread notifications
    # (the session is written only when it changes)
    with django_assert_num_queries(6):
        response = client.get(reverse("accounts:profile"))
    text = response.content.decode()
    assert "市发展改革委" in text and "专班办公室" in text and "打好经济增长主动仗" in text
    assert "打好科技创新攻坚仗" not in text


def test_password_change_keeps_the_user_logged_in(client, staff_commerce):
    client.force_login(staff_commerce)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": staff_commerce.raw_password,
            "new_password1": "Huaihua-2023!x",
            "new_password2": "Huaihua-2023!x",
        },
        follow=True,
    )
    assert "密码已修改" in response.content.decode()
    staff_commerce.refresh_from_db()
    assert staff_commerce.check_password("Huaihua-2023!x")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_weak_or_wrong_passwords_are_refused_in_chinese(client, staff_commerce):
    client.force_login(staff_commerce)
    url = reverse("accounts:password_change")
    response = client.post(url, {"old_password": "nope", "new_password1": "12345678", "new_password2": "12345678"})
    text = response.content.decode()
    assert "你的旧密码不正确" in text
    response = client.post(
        url, {"old_password": staff_commerce.raw_password, "new_password1": "12345678", "new_password2": "12345678"}
    )
    text = response.content.decode()
    assert "这个密码太常见了" in text or "全都是数字" in text
    staff_commerce.refresh_from_db()
    assert staff_commerce.check_password(staff_commerce.raw_password)


def test_account_pages_need_a_login(client, db):
    for name in ("accounts:profile", "accounts:password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
