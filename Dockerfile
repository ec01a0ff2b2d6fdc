# One image for both processes: `node ... api/server.ts` or `worker/worker.ts`.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci
COPY . .
RUN DATABASE_URL=postgresql://build@localhost/unused npx prisma generate
ENV NODE_ENV=production
EXPOSE 3000
CMD ["npx", "tsx", "api/server.ts"]
