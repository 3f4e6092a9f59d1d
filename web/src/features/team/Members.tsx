import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Schemas, unwrap } from "../../api/client";
import { session } from "../../auth/session";
import { fieldError, ProblemAlert } from "../../components/ProblemAlert";
import { NS } from "./i18n";

type Role = Schemas["RoleChange"]["role"];
type Member = Schemas["TeamMember"];
export const ROLES: Role[] = ["owner", "admin", "developer", "billing", "viewer"];
const KEY = ["team"];

function Invite() {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const invite = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/account/users", { body: { email, role } })),
    onSuccess: () => {
      setEmail("");
      return queryClient.invalidateQueries({ queryKey: KEY });
    },
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          invite.mutate();
        }}
      >
        <Stack>
          <Title order={3} size="h4">
            {t("inviteTitle")}
          </Title>
          <ProblemAlert error={invite.error} />
          {invite.data && (
            <Alert color="green" role="status">
              {t("invited", { email: invite.data.email })}
            </Alert>
          )}
          <Group align="flex-end">
            <TextInput
              label={t("email")}
              type="email"
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
              error={fieldError(invite.error, "email")}
              required
            />
            <NativeSelect
              label={t("role")}
              value={role}
              data={ROLES.map((value) => ({ value, label: t(`roles.${value}`) }))}
              onChange={(event) => setRole(event.currentTarget.value as Role)}
            />
            <Button type="submit" loading={invite.isPending}>
              {t("invite")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function MemberRow({ member, me }: { member: Member; me: boolean }) {
  const { t } = useTranslation(NS);
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const path = { params: { path: { user_id: member.id } } };
  const refresh = () => queryClient.invalidateQueries({ queryKey: KEY });
  const change = useMutation({
    mutationFn: (role: Role) =>
      unwrap(api.PATCH("/v1/account/users/{user_id}", { ...path, body: { role } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/v1/account/users/{user_id}", path)),
    onSuccess: () => {
      setAsking(false);
      return refresh();
    },
  });
  return (
    <Table.Tr data-testid="team-member-row">
      <Table.Td>
        {member.email} {me && <Badge size="xs">{t("you")}</Badge>}
        {member.name && (
          <Text size="xs" c="dimmed">
            {member.name}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <NativeSelect
          aria-label={t("roleOf", { email: member.email })}
          size="xs"
          value={member.role}
          disabled={change.isPending}
          data={ROLES.map((value) => ({ value, label: t(`roles.${value}`) }))}
          onChange={(event) => change.mutate(event.currentTarget.value as Role)}
        />
        <ProblemAlert error={change.error} />
      </Table.Td>
      <Table.Td>
        <Badge color={member.two_factor_enabled ? "green" : "gray"} variant="light">
          {member.two_factor_enabled ? t("on") : t("off")}
        </Badge>
      </Table.Td>
      <Table.Td>
        {!me && (
          <Button size="xs" color="red" variant="subtle" onClick={() => setAsking(true)}>
            {t("remove")}
          </Button>
        )}
        <Modal opened={asking} onClose={() => setAsking(false)} title={t("remove")}>
          <Stack>
            <Text>{t("removeConfirm", { email: member.email })}</Text>
            <ProblemAlert error={remove.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setAsking(false)}>
                {t("cancel")}
              </Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
                {t("remove")}
              </Button>
            </Group>
          </Stack>
        </Modal>
      </Table.Td>
    </Table.Tr>
  );
}

function Invitations({ items }: { items: Schemas["PendingInvitation"][] }) {
  const { t, i18n } = useTranslation(NS);
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: (invitation_id: string) =>
      unwrap(
        api.DELETE("/v1/account/invitations/{invitation_id}", {
          params: { path: { invitation_id } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
  if (items.length === 0) return <Text c="dimmed">{t("noInvitations")}</Text>;
  return (
    <>
      <ProblemAlert error={revoke.error} />
      <Table.ScrollContainer minWidth={480}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("email")}</Table.Th>
              <Table.Th>{t("role")}</Table.Th>
              <Table.Th>{t("expires")}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((invitation) => (
              <Table.Tr key={invitation.id} data-testid="invitation-row">
                <Table.Td>{invitation.email}</Table.Td>
                <Table.Td>
                  {t(`roles.${invitation.role}`, { defaultValue: invitation.role })}
                </Table.Td>
                <Table.Td>{new Date(invitation.expires_at).toLocaleString(i18n.language)}</Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    loading={revoke.isPending && revoke.variables === invitation.id}
                    onClick={() => revoke.mutate(invitation.id)}
                  >
                    {t("revoke")}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}

export function Members() {
  const { t } = useTranslation(NS);
  const team = useQuery({ queryKey: KEY, queryFn: () => unwrap(api.GET("/v1/account/users")) });
  const myId = (session.claims() as { sub?: string }).sub;
  return (
    <Stack>
      <Title order={2} size="h3">
        {t("members")}
      </Title>
      <ProblemAlert error={team.error} />
      {team.isLoading && <Text c="dimmed">{t("loading")}</Text>}
      {team.data && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("email")}</Table.Th>
                <Table.Th>{t("role")}</Table.Th>
                <Table.Th>{t("twoFactor")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {team.data.users.map((member) => (
                <MemberRow key={member.id} member={member} me={member.id === myId} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Title order={2} size="h3">
        {t("invitations")}
      </Title>
      {team.data && <Invitations items={team.data.invitations} />}
      <Invite />
    </Stack>
  );
}
